/* Read-only BPMN diagrams (bpmn-js NavigatedViewer, global BpmnJS) with state markers.
 * Each <figure data-diagram-url> loads its XML; data-markers names a json_script element
 * holding {"completed": [ids], "current": [ids], "pending": [ids]}. */
(function () {
  "use strict";

  var MARKER = {
    completed: "cinar-done",
    current: "cinar-current",
    pending: "cinar-pending",
    error: "cinar-error"
  };

  function message(figure, name) {
    var template = figure.querySelector("template.cinar-diagram-messages");
    var span = template && template.content.querySelector('[data-msg="' + name + '"]');
    return span ? span.textContent : "";
  }

  function setStatus(figure, name) {
    var status = figure.querySelector(".cinar-diagram-status");
    if (status) status.textContent = message(figure, name);
  }

  function addMarkers(viewer, markersId) {
    var node = markersId && document.getElementById(markersId);
    if (!node) return;
    var markers = JSON.parse(node.textContent);
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    Object.keys(MARKER).forEach(function (kind) {
      (markers[kind] || []).forEach(function (id) {
        if (registry.get(id)) canvas.addMarker(id, MARKER[kind]);
      });
    });
  }

  function wireZoom(figure, viewer) {
    var canvas = viewer.get("canvas");
    figure.querySelectorAll("[data-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-zoom");
        if (how === "fit") {
          canvas.zoom("fit-viewport", "auto");
        } else {
          var level = canvas.zoom();
          canvas.zoom(how === "in" ? level * 1.25 : level / 1.25);
        }
      });
    });
  }

  function show(figure) {
    var container = figure.querySelector(".cinar-diagram");
    var viewer = new window.BpmnJS({ container: container });
    fetch(figure.getAttribute("data-diagram-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) {
        return viewer.importXML(xml);
      })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        addMarkers(viewer, figure.getAttribute("data-markers"));
        wireZoom(figure, viewer);
        setStatus(figure, "ready");
        figure.setAttribute("data-diagram-ready", "true");
      })
      .catch(function (error) {
        var noDi = /no diagram to display/i.test(String(error && error.message));
        setStatus(figure, noDi ? "nodi" : "error");
        container.classList.add("cinar-diagram-empty");
        figure.querySelector(".cinar-diagram-controls").hidden = true;
        figure.setAttribute("data-diagram-ready", noDi ? "no-di" : "error");
      });
  }

  function init() {
    if (!window.BpmnJS) return;
    document.querySelectorAll("figure[data-diagram-url]").forEach(show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
