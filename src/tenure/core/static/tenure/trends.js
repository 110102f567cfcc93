// Draws the trend tiles (customer value 1..10, churn score 0..100) from the page's JSON with uPlot.
// The legend shows the point under the cursor, and the latest delivered point otherwise.
(function () {
  const source = document.getElementById("trend-data");
  if (!source || typeof uPlot === "undefined") return;
  const trend = JSON.parse(source.textContent);
  const times = trend.dates.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  });

  // one dataset: uPlot would stretch the zero-width time range over years; show ±45 days around it
  const PAD = 45 * 86400;
  const xScale = times.length === 1
    ? { time: true, auto: false, range: [times[0] - PAD, times[0] + PAD] }
    : { time: true };

  function lastDelivered(values) {
    for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return i;
    return -1;
  }

  function draw(elementId, values, range, colour) {
    const element = document.getElementById(elementId);
    if (!element) return;
    const latest = lastDelivered(values);
    const at = (idx) => (idx == null ? latest : idx);
    const options = {
      width: Math.max(element.clientWidth, 280),
      height: 180,
      scales: { x: xScale, y: { range: range } },
      legend: { show: true },
      series: [
        {
          label: element.dataset.dateLabel || "As of",
          value: (u, v, s, idx) => (at(idx) < 0 ? "–" : dateFormat.format(new Date(times[at(idx)] * 1000))),
        },
        {
          label: element.dataset.label || "",
          stroke: colour, width: 2, spanGaps: false, points: { size: 6 },
          value: (u, v, s, idx) => {
            const value = at(idx) < 0 ? null : values[at(idx)];
            return value === null ? "–" : value + " / " + range[1];
          },
        },
      ],
      axes: [{}, { size: 40 }],
    };
    element.dataset.points = String(values.filter((v) => v !== null).length);
    options.hooks = {
      setScale: [(u, key) => {
        if (key === "x") element.dataset.spanDays = String(Math.round((u.scales.x.max - u.scales.x.min) / 86400));
      }],
    };
    new uPlot(options, [times, values], element);
  }

  draw("trend-value", trend.customer_value, [0, 10], "#1e7b34");
  draw("trend-churn", trend.churn_score, [0, 100], "#c62828");
})();
