/* Bottleneck heat map on the BPMN diagram (bpmn-js NavigatedViewer, vendored). The
 * <figure data-heat-url data-heat="ID"> loads the process XML and colours each step from
 * the JSON in <script id="ID">: {elementId: {name, colour, wait, late, href,
 * overdue_href, slowest, badge, badge_label, late_label}} (texts translated and numbers
 * formatted by the server). A badge on each step shows the average waiting hours (a link
 * to its applications), a red badge the overdue ones; clicking a step opens its
 * applications. The table below the diagram carries the same figures without JS. */
(function () {
  "use strict";

  function message(figure, name) {
    var template = figure.querySelector("template.cinar-diagram-messages");
    var span = template && template.content.querySelector('[data-msg="' + name + '"]');
    return span ? span.textContent : "";
  }

  function badge(text, href, extra, label) {
    var a = document.createElement("a");
    a.className = "cinar-heat-badge " + (extra || "");
    a.href = href;
    a.textContent = text;
    a.title = label; // the description; the visible text stays the accessible name
    return a;
  }

  function paint(viewer, data) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    Object.keys(data).forEach(function (id) {
      var element = registry.get(id);
      if (!element) return;
      var step = data[id];
      var gfx = registry.getGraphics(element);
      var shape = gfx && gfx.querySelector(".djs-visual > rect, .djs-visual > circle, .djs-visual > polygon");
      if (shape) shape.style.fill = step.colour;
      canvas.addMarker(id, "cinar-heat-step");
      if (step.slowest) canvas.addMarker(id, "cinar-heat-slowest");
      var box = document.createElement("div");
      box.className = "d-flex gap-1";
      if (step.badge) {
        box.appendChild(badge(step.badge, step.href, step.slowest ? "cinar-heat-slowest" : "", step.badge_label));
      }
      if (step.late) {
        box.appendChild(badge("⚠ " + step.late, step.overdue_href, "cinar-heat-overdue", step.late_label));
      }
      if (box.childNodes.length) overlays.add(id, { position: { top: -12, left: 4 }, html: box });
    });
    viewer.get("eventBus").on("element.click", function (event) {
      var step = data[event.element.id];
      if (step) window.location.href = step.href;
    });
  }

  function show(figure) {
    figure.hidden = false; // hidden in the HTML: without JavaScript only the table shows
    var container = figure.querySelector(".cinar-diagram");
    var status = figure.querySelector(".cinar-diagram-status");
    var node = document.getElementById(figure.getAttribute("data-heat"));
    var data = node ? JSON.parse(node.textContent) : {};
    var viewer = new window.BpmnJS({ container: container });
    fetch(figure.getAttribute("data-heat-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        paint(viewer, data);
        if (status) status.textContent = message(figure, "ready");
        figure.setAttribute("data-diagram-ready", "true");
      })
      .catch(function () {
        if (status) status.textContent = message(figure, "error");
        container.classList.add("cinar-diagram-empty");
        figure.setAttribute("data-diagram-ready", "error");
      });
  }

  function init() {
    if (!window.BpmnJS) return;
    document.querySelectorAll("figure[data-heat-url]").forEach(show);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
