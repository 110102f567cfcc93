// Draws a campaign's contacts worked and reached per day from the page's JSON with uPlot.
// Two labelled series (the legend names them, and marks differ: reached is dashed), not colour alone.
(function () {
  const source = document.getElementById("work-data");
  const element = document.getElementById("work-chart");
  if (!source || !element || typeof uPlot === "undefined") return;
  const work = JSON.parse(source.textContent);
  const times = work.dates.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
  const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    year: "numeric", month: "short", day: "numeric", timeZone: "UTC",
  });
  const last = times.length - 1;
  const at = (idx) => (idx == null ? last : idx);
  const top = Math.max(1, ...work.worked);
  const options = {
    width: Math.max(element.clientWidth, 280),
    height: 220,
    scales: {
      // whole days: half a day of room on each side, so that a single day is a visible point
      x: { time: true, range: [times[0] - 43200, times[last] + 43200] },
      y: { range: [0, Math.ceil(top * 1.1)] },
    },
    legend: { show: true },
    series: [
      {
        label: element.dataset.dateLabel || "Day",
        value: (u, v, s, idx) => dateFormat.format(new Date(times[at(idx)] * 1000)),
      },
      {
        label: element.dataset.workedLabel || "Worked",
        stroke: "#1f4e99", width: 2, points: { size: 6 },
        value: (u, v, s, idx) => String(work.worked[at(idx)]),
      },
      {
        label: element.dataset.reachedLabel || "Reached",
        stroke: "#1e7b34", width: 2, dash: [6, 4], points: { size: 6 },
        value: (u, v, s, idx) => String(work.reached[at(idx)]),
      },
    ],
    axes: [
      {
        space: 70,
        // ticks on the days themselves (not on hours), thinned out by uPlot's spacing
        splits: times.length <= 14 ? () => times : undefined,
        values: (u, splits) => splits.map((t) => dateFormat.format(new Date(t * 1000))),
      },
      { size: 48 },
    ],
  };
  element.dataset.points = String(times.length);
  new uPlot(options, [times, work.worked, work.reached], element);
})();
