// Draws the trend tiles (customer value 1..10, churn score 0..100) from the page's JSON with uPlot.
(function () {
  const source = document.getElementById("trend-data");
  if (!source || typeof uPlot === "undefined") return;
  const trend = JSON.parse(source.textContent);
  const times = trend.dates.map((d) => Date.parse(d + "T00:00:00Z") / 1000);

  function draw(elementId, label, values, range, colour) {
    const element = document.getElementById(elementId);
    if (!element) return;
    const options = {
      width: Math.max(element.clientWidth, 280),
      height: 180,
      scales: { x: { time: true }, y: { range: range } },
      legend: { show: true },
      series: [
        { label: "Date" },
        { label: label, stroke: colour, width: 2, spanGaps: false, points: { size: 6 } },
      ],
      axes: [{}, { size: 40 }],
    };
    element.dataset.points = String(values.filter((v) => v !== null).length);
    new uPlot(options, [times, values], element);
  }

  draw("trend-value", document.getElementById("trend-value-title")?.textContent || "Customer value",
       trend.customer_value, [0, 10], "#1e7b34");
  draw("trend-churn", document.getElementById("trend-churn-title")?.textContent || "Churn score",
       trend.churn_score, [0, 100], "#c62828");
})();
