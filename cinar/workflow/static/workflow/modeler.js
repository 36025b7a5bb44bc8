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
  // Çınar's routing attributes (cinar:unit, cinar:role, …) as real properties, so the
  // properties panel can edit them and the saved XML declares the namespace.
  var cinarModdle = {
    name: "Cinar",
    prefix: "cinar",
    uri: "urn:cinar:bpmn:1.0",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [{
      name: "Routed",
      extends: ["bpmn:FlowNode", "bpmn:Lane"],
      properties: ["unit", "role", "user", "manager", "durationDays", "handler"].map(function (n) {
        return { name: n, isAttr: true, type: "String" };
      })
    }]
  };
  var modeler = new window.BpmnJS({ container: canvas, moddleExtensions: { cinar: cinarModdle } });
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

  // --- properties panel -----------------------------------------------------------------
  var panel = document.getElementById("modeler-properties");
  var empty = document.getElementById("modeler-properties-empty");
  var modeling = modeler.get("modeling");
  var moddle = modeler.get("moddle");
  var selected = null;

  function timerOf(bo) {
    return (bo.eventDefinitions || []).filter(function (d) {
      return d.$instanceOf("bpmn:TimerEventDefinition");
    })[0] || null;
  }

  function kindsOf(element) {
    var bo = element.businessObject;
    var kinds = { all: true };
    if (bo.$instanceOf("bpmn:Lane") || (bo.$instanceOf("bpmn:Task") && !bo.$instanceOf("bpmn:ServiceTask"))) {
      kinds.routed = true;
    }
    if (bo.$instanceOf("bpmn:ServiceTask")) kinds.service = true;
    if (bo.$instanceOf("bpmn:SequenceFlow")) kinds.flow = true;
    if (bo.$instanceOf("bpmn:Event") && timerOf(bo)) kinds.timer = true;
    return kinds;
  }

  function read(element, prop) {
    var bo = element.businessObject;
    if (prop === "name") return bo.name || "";
    if (prop === "condition") return bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    if (prop === "timer") {
      var timer = timerOf(bo);
      var expr = timer && (timer.timeDuration || timer.timeDate || timer.timeCycle);
      return expr ? expr.body || "" : "";
    }
    return bo.get(prop) || "";
  }

  function fill() {
    var usable = selected && selected.type !== "label" && selected.businessObject;
    panel.hidden = !usable;
    empty.hidden = !!usable;
    if (!usable) return;
    var bo = selected.businessObject;
    var kinds = kindsOf(selected);
    var typeName = kinds.timer ? "timer" : bo.$type;
    document.getElementById("prop-type").textContent =
      messages.content.querySelector('[data-msg="' + typeName + '"]') ? text(typeName) : text("element");
    document.getElementById("prop-id").textContent = bo.id || "";
    panel.querySelectorAll("[data-show]").forEach(function (group) {
      group.hidden = !kinds[group.getAttribute("data-show")];
    });
    panel.querySelectorAll("[data-prop]").forEach(function (input) {
      if (input === document.activeElement && input.type !== "checkbox") return;
      var value = read(selected, input.getAttribute("data-prop"));
      if (input.type === "checkbox") {
        input.checked = ["true", "1", "yes", "evet"].indexOf(String(value).toLowerCase()) >= 0;
      } else {
        input.value = value;
      }
    });
  }

  function write(input) {
    if (!selected) return;
    var prop = input.getAttribute("data-prop");
    var bo = selected.businessObject;
    var value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value.trim();
    var change = {};
    if (prop === "name") {
      modeling.updateLabel(selected, value);
      return;
    }
    if (prop === "condition") {
      change.conditionExpression = value
        ? moddle.create("bpmn:FormalExpression", { body: value })
        : undefined;
      modeling.updateProperties(selected, change);
      return;
    }
    if (prop === "timer") {
      var timer = timerOf(bo);
      if (!timer) return;
      modeling.updateModdleProperties(selected, timer, {
        timeDuration: value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined,
        timeDate: undefined,
        timeCycle: undefined
      });
      return;
    }
    change[prop] = value || undefined;
    modeling.updateProperties(selected, change);
  }

  panel.addEventListener("change", function (event) {
    if (event.target.hasAttribute("data-prop")) write(event.target);
  });
  panel.addEventListener("submit", function (event) { event.preventDefault(); });
  modeler.on("selection.changed", function (event) {
    selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
    fill();
  });
  modeler.on("element.changed", function (event) {
    if (selected && event.element === selected) fill();
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
