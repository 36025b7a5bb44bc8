/* The BPMN modeler page (bpmn-js Modeler, global BpmnJS). The diagram's XML comes from
 * the json_script #modeler-xml; Save POSTs it as JSON with the CSRF token and shows the
 * server's answer (new version, identical, or validation errors) in #modeler-result. */
(function () {
  "use strict";

  var root = document.getElementById("modeler");
  if (!root || !window.BpmnJS) return;

  var canvas = root.querySelector(".cinar-modeler");
  var result = document.getElementById("modeler-result");
  var saveButton = document.getElementById("modeler-save");
  var downloadButton = document.getElementById("modeler-download");
  var activate = document.getElementById("modeler-activate");
  var messages = document.getElementById("modeler-messages");
  var text = function (name) {
    var node = messages && messages.content.querySelector('[data-msg="' + name + '"]');
    return node ? node.textContent : name;
  };
  var modeler = new window.BpmnJS({ container: canvas });
  var xml = JSON.parse(document.getElementById("modeler-xml").textContent);

  function show(kind, title, lines, link) {
    result.replaceChildren();
    var alert = document.createElement("div");
    alert.className = "alert alert-" + kind + " mb-0";
    alert.setAttribute("role", kind === "danger" ? "alert" : "status");
    alert.setAttribute("tabindex", "-1");
    var heading = document.createElement("p");
    heading.className = "fw-semibold mb-1";
    heading.textContent = title;
    alert.appendChild(heading);
    if (lines && lines.length) {
      var list = document.createElement("ul");
      list.className = "mb-0";
      lines.forEach(function (line) {
        var item = document.createElement("li");
        item.textContent = line;
        list.appendChild(item);
      });
      alert.appendChild(list);
    }
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      anchor.className = "alert-link";
      alert.appendChild(anchor);
    }
    result.appendChild(alert);
    alert.focus();
  }

  modeler.importXML(xml).then(function (imported) {
    modeler.get("canvas").zoom("fit-viewport", "auto");
    root.setAttribute("data-modeler-ready", "true");
    if (imported.warnings && imported.warnings.length) {
      show("warning", text("warnings"), imported.warnings.slice(0, 5).map(function (w) {
        return w.message;
      }));
    }
  }).catch(function (error) {
    var noDi = /no diagram to display/i.test(String(error && error.message));
    show("danger", text(noDi ? "nodi" : "load-error"), [String(error && error.message)]);
    root.setAttribute("data-modeler-ready", "error");
  });

  saveButton.addEventListener("click", function () {
    saveButton.disabled = true;
    saveButton.setAttribute("aria-busy", "true");
    modeler.saveXML({ format: true }).then(function (saved) {
      return fetch(root.getAttribute("data-save-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": root.getAttribute("data-csrf"),
          "Accept": "application/json"
        },
        body: JSON.stringify({ xml: saved.xml, activate: activate ? activate.checked : true })
      });
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, errors: [text("server-error") + " (HTTP " + response.status + ")"] };
      });
    }).then(function (answer) {
      if (answer.ok) {
        show(answer.created ? "success" : "info", answer.message, [],
             { href: answer.url, text: text("open-process") });
      } else {
        show("danger", text("refused"), answer.errors || []);
      }
    }).catch(function (error) {
      show("danger", text("server-error"), [String(error && error.message)]);
    }).finally(function () {
      saveButton.disabled = false;
      saveButton.removeAttribute("aria-busy");
    });
  });

  downloadButton.addEventListener("click", function () {
    modeler.saveXML({ format: true }).then(function (saved) {
      var blob = new Blob([saved.xml], { type: "application/xml" });
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = (root.getAttribute("data-key") || "process") + ".bpmn";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    });
  });
})();
