// The dashboard's charts, drawn with the vendored Chart.js from the numbers the page carries in json_script
// blocks (posts-per-day-data, credit-chart-data). Colours come from the theme's CSS variables, so the charts are
// drawn again when the theme switches between light and dark.
"use strict";

(() => {
  const charts = [];

  function read(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Tabler's variables refer to others and use light-dark() and color-mix(), which Chart.js cannot read: a probe
  // element resolves one in the current theme, and a one-pixel canvas turns the result into plain rgba().
  const pixel = document.createElement("canvas").getContext("2d", {willReadFrequently: true});
  function resolve(variable, fallback) {
    const probe = document.createElement("span");
    probe.style.color = `var(${variable}, ${fallback})`;
    probe.hidden = true;
    document.body.append(probe);
    const colour = getComputedStyle(probe).color || fallback;
    probe.remove();
    pixel.clearRect(0, 0, 1, 1);
    pixel.fillStyle = colour;
    pixel.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = pixel.getImageData(0, 0, 1, 1).data;
    return `rgba(${r}, ${g}, ${b}, ${(a / 255).toFixed(3)})`;
  }

  function palette() {
    return {
      green: resolve("--tblr-green", "#2fb344"),
      blue: resolve("--tblr-primary", "#066fd1"),
      red: resolve("--tblr-red", "#d63939"),
      yellow: resolve("--tblr-yellow", "#f59f00"),
      text: resolve("--tblr-body-color", "#182433"),
      muted: resolve("--tblr-secondary-color", "#6b7280"),
      grid: resolve("--tblr-border-color-translucent", "rgba(4, 32, 69, 0.1)"),
      empty: resolve("--tblr-border-color", "#e6e7e9"),
    };
  }

  function postsChart(colours) {
    const data = read("posts-per-day-data");
    const canvas = document.getElementById("posts-chart");
    if (!data || !canvas) return;
    const today = data.days.indexOf(data.today);
    charts.push(new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          {label: "Published", data: data.published, backgroundColor: colours.green, stack: "posts"},
          {label: "Did not go out", data: data.missed, backgroundColor: colours.red, stack: "posts"},
          {label: "Scheduled", data: data.scheduled, backgroundColor: colours.blue, stack: "posts"},
        ],
      },
      options: {
        maintainAspectRatio: false,
        plugins: {legend: {display: false}, tooltip: {mode: "index", intersect: false}},
        scales: {
          x: {
            stacked: true,
            grid: {display: false},
            ticks: {
              color: (context) => (context.index === today ? colours.text : colours.muted),
              font: (context) => ({weight: context.index === today ? "bold" : "normal"}),
              // Every third day counted from today (every seventh on a phone), so today always has its label.
              callback(value, index) {
                const step = this.chart.width < 560 ? 7 : 3;
                return (index - today) % step === 0 ? data.labels[index] : "";
              },
              autoSkip: false,
              maxRotation: 0,
            },
          },
          y: {stacked: true, beginAtZero: true, ticks: {precision: 0, color: colours.muted}, grid: {color: colours.grid}},
        },
      },
    }));
  }

  function creditCharts(colours) {
    const kinds = read("credit-chart-data") || [];
    for (const kind of kinds) {
      const canvas = document.getElementById(`${kind.id}-chart`);
      if (!canvas) continue;
      const values = [kind.used, kind.reserved, kind.available];
      const empty = values.every((v) => v <= 0);
      charts.push(new window.Chart(canvas, {
        type: "doughnut",
        data: {
          labels: empty ? ["None this cycle"] : ["Used", "Reserved", "Available"],
          datasets: [{
            data: empty ? [1] : values.map((v) => Math.max(v, 0)),
            backgroundColor: empty ? [colours.empty] : [colours.blue, colours.yellow, colours.green],
            borderWidth: 0,
          }],
        },
        options: {
            cutout: "72%",
          plugins: {legend: {display: false}, tooltip: {enabled: !empty}},
        },
      }));
    }
  }

  function draw() {
    if (!window.Chart) return;
    while (charts.length) charts.pop().destroy();
    const colours = palette();
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    // Drawn at once: an overview is read, not watched (and a redraw on a theme switch should not replay).
    window.Chart.defaults.animation = false;
    postsChart(colours);
    creditCharts(colours);
  }

  document.addEventListener("DOMContentLoaded", draw);
  new MutationObserver(draw).observe(document.documentElement, {attributes: true, attributeFilter: ["data-bs-theme"]});
})();
