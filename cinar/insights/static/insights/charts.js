/* Insights charts (Apache ECharts, vendored). Each <div data-chart="ID"> is drawn from the
 * JSON in <script id="ID">: {type: "pie"|"bar"|"hbar"|"line", title, categories, series:
 * [{name, data}], links}. The chart only shows when this script runs; the table next to
 * it carries the same figures for everyone else. Clicking a bar/slice opens its cases. */
(function () {
  "use strict";

  var PALETTE = ["#1b6b45", "#f0b429", "#3a7bd5", "#c2453d", "#5aa7a7", "#7a5cc2", "#8c6d46", "#8c8c8c", "#2f8f5b"];

  function shorten(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, max - 1) + "…" : text;
  }

  function option(spec, width) {
    var labelWidth = Math.round(Math.min(170, Math.max(80, width * 0.36)));
    var base = {
      color: PALETTE,
      aria: { enabled: false }, // the container is role="img" with the translated title; the table holds the data
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis", confine: true },
      textStyle: { fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" },
      animationDuration: 400
    };
    if (spec.type === "pie") {
      base.legend = { type: "scroll", bottom: 0 };
      base.series = [{
        type: "pie", name: spec.series[0].name, radius: ["40%", "70%"], center: ["50%", "45%"],
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        label: { formatter: "{b}: {d}%" },
        data: spec.categories.map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; })
      }];
      return base;
    }
    var horizontal = spec.type === "hbar";
    var category = {
      type: "category", data: spec.categories,
      axisLabel: { width: horizontal ? labelWidth : 90, overflow: "truncate", interval: horizontal ? 0 : "auto",
                   formatter: function (v) { return shorten(v, horizontal ? Math.round(labelWidth / 5) : 16); } },
      inverse: horizontal
    };
    var value = { type: "value", splitLine: { lineStyle: { color: "#e9ecef" } } };
    base.grid = { left: 8, right: 24, top: 36, bottom: 8, containLabel: true };
    base.legend = { top: 0, type: "scroll" };
    base.xAxis = horizontal ? value : category;
    base.yAxis = horizontal ? category : value;
    base.series = spec.series.map(function (s) {
      var out = { type: spec.type === "line" ? "line" : "bar", name: s.name, data: s.data, barMaxWidth: 22 };
      if (spec.type === "line") { out.smooth = true; out.symbolSize = 6; out.areaStyle = { opacity: 0.08 }; }
      return out;
    });
    return base;
  }

  function draw(node) {
    var data = document.getElementById(node.getAttribute("data-chart"));
    if (!data || !window.echarts) return;
    var spec = JSON.parse(data.textContent);
    if (spec.type === "hbar") {
      node.style.height = Math.max(220, 60 + spec.categories.length * 34 * Math.max(1, spec.series.length * 0.6)) + "px";
    }
    node.hidden = false;
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", spec.title);
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option(spec, node.clientWidth));
    chart.on("click", function (params) {
      var link = spec.links && spec.links[params.dataIndex];
      if (link) window.location.href = link;
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
