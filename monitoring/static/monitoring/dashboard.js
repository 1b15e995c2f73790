/* Draws the dashboard's charts with the vendored ECharts (no inline script: data come from
   the <script type="application/json" id="monitoring-charts"> block written by json_script).
   A click on a bar or point opens the drill-down list behind that number. */
(function () {
  "use strict";

  function option(spec) {
    var percent = !!spec.percent;
    return {
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 64, containLabel: true },
      xAxis: { type: "category", data: spec.x, axisLabel: { rotate: spec.x.length > 6 ? 30 : 0, interval: 0, hideOverlap: true } },
      yAxis: { type: "value", axisLabel: { formatter: percent ? "{value}%" : "{value}" } },
      series: spec.series.map(function (s) {
        return {
          name: s.name, type: spec.type === "line" ? "line" : "bar", data: s.data,
          stack: spec.stacked ? "total" : undefined, connectNulls: true,
          emphasis: { focus: "series" }
        };
      })
    };
  }

  function draw() {
    var source = document.getElementById("monitoring-charts");
    if (!source || typeof window.echarts === "undefined") { return; }
    var specs = JSON.parse(source.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var spec = specs[node.getAttribute("data-chart")];
      if (!spec || !spec.x || spec.x.length === 0) {
        node.classList.add("chart-empty");
        return;
      }
      var chart = window.echarts.init(node, null, { renderer: "canvas" });
      chart.setOption(option(spec));
      if (spec.links && spec.links.length) {
        chart.on("click", function (params) {
          var link = spec.links[params.dataIndex];
          if (link) { window.location.assign(link); }
        });
      }
      node.setAttribute("data-drawn", "1");
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
