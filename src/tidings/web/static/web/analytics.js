// The analytics page's chart, drawn with the vendored Chart.js from the analytics-data json_script block: posts
// per day of publishing as bars, and each count the platforms gave as a line (a day without that count is a gap,
// not a zero). Drawn again when the theme switches.
"use strict";

(() => {
  let chart = null;
  const COLOURS = ["--tblr-primary", "--tblr-green", "--tblr-orange", "--tblr-purple", "--tblr-red", "--tblr-cyan"];

  function colour(variable) {
    const probe = document.createElement("span");
    probe.style.color = `var(${variable})`;
    probe.hidden = true;
    document.body.append(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }

  function draw() {
    const source = document.getElementById("analytics-data");
    const canvas = document.getElementById("analytics-chart");
    if (!window.Chart || !source || !canvas) return;
    const data = JSON.parse(source.textContent);
    if (chart) chart.destroy();
    window.Chart.defaults.animation = false;
    const muted = colour("--tblr-secondary-color");
    const lines = Object.entries(data.metrics).map(([label, values], i) => ({
      type: "line", label, data: values, yAxisID: "counts", spanGaps: false,
      borderColor: colour(COLOURS[i % COLOURS.length]), backgroundColor: colour(COLOURS[i % COLOURS.length]),
      pointRadius: 2, tension: 0.2,
      // Views run far above the rest and would flatten them: shown when picked in the legend.
      hidden: label === "Views",
    }));
    chart = new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          {type: "bar", label: "Posts", data: data.posts, yAxisID: "posts", backgroundColor: colour("--tblr-border-color")},
          ...lines,
        ],
      },
      options: {
        maintainAspectRatio: false,
        plugins: {legend: {labels: {color: muted, boxWidth: 12}}, tooltip: {mode: "index", intersect: false}},
        scales: {
          x: {grid: {display: false}, ticks: {color: muted, maxRotation: 0, autoSkipPadding: 12}},
          counts: {position: "left", beginAtZero: true, ticks: {precision: 0, color: muted}},
          posts: {position: "right", beginAtZero: true, grid: {display: false}, ticks: {precision: 0, color: muted}},
        },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  new MutationObserver(draw).observe(document.documentElement, {attributes: true, attributeFilter: ["data-bs-theme"]});
})();
