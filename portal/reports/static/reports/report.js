// Draws the report's charts from the JSON the page carries (no inline script: the CSP forbids
// it). Right to left pages get mirrored axes, legends and tooltips.
(function () {
  const source = document.getElementById("report-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const rtl = document.documentElement.dir === "rtl";
  // Arabic pages write Western digits, as the portal's tables do (portal/sites/reading.py); Intl
  // alone would give "ar" Arabic-Indic ones, so the numbering system is named.
  const lang = document.documentElement.lang || "en";
  const locale = lang.startsWith("ar") ? "ar-u-nu-latn" : lang;
  // Counts: whole steps only, every label through Intl (Chart.js writes a bare "0" itself).
  const numbers = new Intl.NumberFormat(locale);
  const counts = { precision: 0, callback: (value) => numbers.format(value) };
  const colours = ["#1b6ac9", "#e0a100", "#c2372b", "#2e7d32"];
  // The age bands' palette lives in report.css (light and dark themes), youngest first.
  const style = getComputedStyle(document.querySelector(".charts") || document.documentElement);
  const ageColour = (i) => style.getPropertyValue("--report-age-" + Math.min(i + 1, 3)).trim();
  const ageEdge = style.getPropertyValue("--report-age-edge").trim();
  const base = {
    responsive: true,
    maintainAspectRatio: false,
    locale: locale,
    animation: false,
    plugins: { legend: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" },
               tooltip: { rtl: rtl, textDirection: rtl ? "rtl" : "ltr" } },
  };
  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (canvas) new Chart(canvas, config);
  }
  draw("chart-trend", {
    type: "line",
    data: { labels: data.trend.labels,
            datasets: [{ label: data.trend.label, data: data.trend.values, spanGaps: true,
                         borderColor: colours[2], backgroundColor: colours[2] }] },
    options: { ...base, scales: { x: { reverse: rtl }, y: { beginAtZero: true, position: rtl ? "right" : "left", ticks: counts } } },
  });
  draw("chart-aging", {
    type: "bar",
    data: { labels: data.aging.labels,
            datasets: data.aging.series.map((s, i) => ({ label: s.label, data: s.values,
                                                          backgroundColor: ageColour(i),
                                                          borderColor: ageEdge, borderWidth: 1 })) },
    options: { ...base, scales: { x: { stacked: true, reverse: rtl },
                                  y: { stacked: true, beginAtZero: true, position: rtl ? "right" : "left",
                                       ticks: counts } } },
  });
  draw("chart-workload", {
    type: "bar",
    data: { labels: data.workload.labels,
            datasets: data.workload.series.map((s, i) => ({ label: s.label, data: s.values,
                                                             backgroundColor: colours[i === 0 ? 0 : 2] })) },
    options: { ...base, indexAxis: "y",
               scales: { x: { beginAtZero: true, reverse: rtl, ticks: counts },
                         y: { position: rtl ? "right" : "left" } } },
  });
})();
