// The dashboard's behaviour: sortable and filterable tables, and charts drawn with BokehJS
// from the JSON beside them, each when it first comes near the viewport (a 200-benchmark page
// would otherwise build hundreds of charts before anyone looks at the first).
"use strict";
(function () {
  // ---------------------------------------------------------------- tables
  function sortValue(row, column) {
    const cell = row.cells[column];
    if (!cell) return { empty: true };
    const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
    if (raw === "" || raw === "-") return { empty: true };
    const number = Number(raw);
    return Number.isNaN(number) ? { text: raw.toLowerCase() } : { number: number };
  }

  function compare(a, b) {
    if (a.empty || b.empty) return (a.empty ? 1 : 0) - (b.empty ? 1 : 0);  // blanks last, either way
    if (a.number !== undefined && b.number !== undefined) return a.number - b.number;
    const left = a.text !== undefined ? a.text : String(a.number);
    const right = b.text !== undefined ? b.text : String(b.number);
    return left < right ? -1 : left > right ? 1 : 0;
  }

  function sortTable(table, column, header) {
    const ascending = header.getAttribute("aria-sort") !== "ascending";
    for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows).map((row, index) => ({ row, index, key: sortValue(row, column) }));
    rows.sort((x, y) => {
      const blanks = (x.key.empty ? 1 : 0) - (y.key.empty ? 1 : 0);
      if (blanks) return blanks;
      return (ascending ? 1 : -1) * compare(x.key, y.key) || x.index - y.index;
    });
    for (const { row } of rows) body.appendChild(row);
  }

  for (const table of document.querySelectorAll("table.sortable")) {
    if (!table.tHead) continue;
    Array.from(table.tHead.rows[0].cells).forEach((header, column) => {
      header.tabIndex = 0;
      header.addEventListener("click", () => sortTable(table, column, header));
      header.addEventListener("keydown", (event) => { if (event.key === "Enter") sortTable(table, column, header); });
    });
  }

  for (const input of document.querySelectorAll("input.filter")) {
    const target = document.getElementById(input.dataset.filter);
    if (!target) continue;
    const items = target.tBodies ? () => Array.from(target.tBodies[0].rows) : () => Array.from(target.children);
    input.addEventListener("input", () => {
      const wanted = input.value.trim().toLowerCase();
      for (const item of items()) {
        const text = (item.dataset.filterText || item.textContent).toLowerCase();
        item.hidden = wanted !== "" && !text.includes(wanted);
      }
    });
  }

  // ---------------------------------------------------------------- charts
  if (typeof Bokeh === "undefined") return;
  Bokeh.set_log_level("warn");
  const P = Bokeh.Plotting;
  const parsed = new Map();
  function data(id) {
    if (!parsed.has(id)) parsed.set(id, JSON.parse(document.getElementById(id).textContent));
    return parsed.get(id);
  }
  const nan = (values) => values.map((v) => (v === null ? NaN : v));
  const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

  function figure(options) {
    const plot = P.figure(Object.assign({ sizing_mode: "stretch_both", tools: "pan,wheel_zoom,box_zoom,reset,save",
                                          toolbar_location: "right" }, options));
    plot.title.text_font_size = "12px";
    return plot;
  }

  function distribution(chart) {
    const d = chart.distribution;
    const outside = [d.below ? `${d.below} below` : "", d.above ? `${d.above} above` : ""].filter(Boolean).join(", ");
    const plot = figure({ title: `distribution of ${d.n} samples` + (outside ? ` (${outside} the range drawn)` : ""),
                          x_axis_label: `time per iteration (${chart.unit})`, y_axis_label: "samples" });
    const edges = d.edges;
    plot.quad({ left: edges.slice(0, -1), right: edges.slice(1), bottom: edges.slice(1).map(() => 0), top: d.counts,
                fill_color: "#9ecae1", line_color: "#6baed6" });
    if (d.low !== null && d.high !== null) {
      plot.add_layout(new Bokeh.BoxAnnotation({ left: d.low, right: d.high, fill_color: "#d62728", fill_alpha: 0.15,
                                                line_alpha: 0 }));
    }
    plot.add_layout(new Bokeh.Span({ location: d.median, dimension: "height", line_color: "#d62728", line_width: 2 }));
    return plot;
  }

  function history(chart) {
    const h = chart.history;
    const source = new Bokeh.ColumnDataSource({ data: { run: h.run, median: h.median, low: nan(h.low), high: nan(h.high) } });
    const plot = figure({ title: `median per run, ${h.run.length} runs` + (h.steps.length ? `, ${h.steps.length} step(s)` : ""),
                          x_axis_label: "run", y_axis_label: `median (${chart.unit})` });
    plot.varea({ x: { field: "run" }, y1: { field: "low" }, y2: { field: "high" }, source, fill_color: "#1f77b4", fill_alpha: 0.15 });
    plot.line({ x: { field: "run" }, y: { field: "median" }, source, line_color: "#1f77b4" });
    plot.scatter({ x: { field: "run" }, y: { field: "median" }, source, size: 4, fill_color: "#1f77b4", line_color: null });
    for (const step of h.steps) {
      plot.add_layout(new Bokeh.Span({ location: step.run - 0.5, dimension: "height", line_color: "#d62728",
                                       line_dash: "dashed", line_width: 2 }));
      plot.add_layout(new Bokeh.Label({ x: step.run - 0.5, y: 5, x_units: "data", y_units: "screen", text: step.label,
                                        text_font_size: "11px", text_color: "#d62728" }));
    }
    h.marks.forEach((mark, index) => {
      plot.add_layout(new Bokeh.Span({ location: mark.run, dimension: "height", line_color: "#2ca02c", line_width: 2 }));
      plot.add_layout(new Bokeh.Label({ x: mark.run, y: 20 + 14 * index, x_units: "data", y_units: "screen",
                                        text: mark.label, text_font_size: "11px", text_color: "#2ca02c" }));
    });
    if (h.current !== null) {
      const at = h.run.indexOf(h.current);
      plot.scatter({ x: [h.current], y: [h.median[at]], size: 9, fill_color: "#ff7f0e", line_color: "#333" });
    }
    plot.add_tools(new Bokeh.HoverTool({ tooltips: [["run", "@run"], ["median", "@median"], ["95 %", "@low – @high"]] }));
    return plot;
  }

  function series(chart, title, label, names) {
    const r = chart.resources;
    const plot = figure({ title, x_axis_label: "seconds into the iteration", y_axis_label: label });
    names.forEach((name, index) => {
      plot.multi_line({ xs: r.t, ys: r[name].map(nan), line_color: COLORS[index], line_alpha: 0.8 });
    });
    return plot;
  }

  function lanes(chart) {
    const xs = [], ys = [];
    chart.lanes.forEach((lane, index) => {
      for (const median of chart.medians[index]) if (median > 0) { xs.push(lane); ys.push(median); }
    });
    const plot = figure({ title: "median time per iteration of each benchmark, by lane", x_range: chart.lanes,
                          y_axis_type: "log", y_axis_label: "median (ns)" });
    plot.scatter({ x: xs, y: ys, size: 7, fill_alpha: 0.5, fill_color: "#1f77b4", line_color: null });
    return plot;
  }

  // ---------------------------------------------------------------- load tests
  function iterationStarts(plot, t) {
    for (const start of t.iteration_starts) {
      plot.add_layout(new Bokeh.Span({ location: start - 0.5, dimension: "height", line_color: "#999",
                                       line_dash: "dotted", line_width: 1 }));
    }
  }

  function loadRate(chart) {
    const t = chart.load.timeline;
    const plot = figure({ title: "responses per second: achieved and scheduled", x_axis_label: "second",
                          y_axis_label: "per second" });
    plot.line({ x: t.second, y: t.scheduled, line_color: "#999", line_dash: "dashed", line_width: 2,
                legend_label: "scheduled" });
    plot.line({ x: t.second, y: nan(t.rate), line_color: COLORS[0], line_width: 2, legend_label: "achieved" });
    plot.scatter({ x: t.second, y: nan(t.rate), size: 4, fill_color: COLORS[0], line_color: null });
    plot.legend.location = "bottom_right";
    plot.legend.background_fill_alpha = 0.6;
    iterationStarts(plot, t);
    return plot;
  }

  function loadLatency(chart) {
    const t = chart.load.timeline;
    const plot = figure({ title: "latency per second: corrected (solid) and uncorrected (dashed)",
                          x_axis_label: "second", y_axis_type: "log", y_axis_label: chart.load.unit });
    [["corrected_p99", COLORS[3], "solid"], ["corrected_p50", COLORS[0], "solid"],
     ["uncorrected_p99", COLORS[3], "dashed"], ["uncorrected_p50", COLORS[0], "dashed"]].forEach(([name, color, dash]) => {
      plot.line({ x: t.second, y: nan(t[name]), line_color: color, line_dash: dash, line_width: 2,
                  legend_label: name.replace("_", " ") });
    });
    plot.legend.location = "top_left";
    iterationStarts(plot, t);
    return plot;
  }

  function loadErrors(chart) {
    const t = chart.load.timeline;
    const kinds = Object.keys(t.errors);
    const plot = figure({ title: kinds.length ? "failed requests per second, by kind" : "no failed requests",
                          x_axis_label: "second", y_axis_label: "requests" });
    kinds.forEach((kind, index) => {
      plot.vbar({ x: t.second, width: 0.8, bottom: t.errors[kind].bottom, top: t.errors[kind].top,
                  fill_color: COLORS[index % COLORS.length], line_color: null, legend_label: kind });
    });
    if (!kinds.length) plot.line({ x: t.second, y: t.second.map(() => 0), line_color: "#999" });
    else plot.legend.background_fill_alpha = 0.6;
    iterationStarts(plot, t);
    return plot;
  }

  function loadSpectrum(chart) {
    const s = chart.load.spectrum;
    const plot = figure({ title: "latency by percentile: corrected and uncorrected", x_axis_label: "percentile",
                          y_axis_type: "log", y_axis_label: chart.load.unit });
    [["corrected", COLORS[3]], ["uncorrected", COLORS[0]]].forEach(([name, color]) => {
      plot.line({ x: s.x, y: nan(s[name]), line_color: color, line_width: 2, legend_label: name });
      plot.scatter({ x: s.x, y: nan(s[name]), size: 6, fill_color: color, line_color: null });
    });
    const labels = {};
    s.x.forEach((x, index) => { labels[x] = s.labels[index]; });
    plot.xaxis.ticker = new Bokeh.FixedTicker({ ticks: s.x });
    plot.xaxis.major_label_overrides = new Map(Object.entries(labels).map(([x, label]) => [Number(x), label]));
    plot.legend.location = "top_left";
    return plot;
  }

  const DRAW = {
    distribution, history, lanes,
    "load-rate": loadRate, "load-latency": loadLatency, "load-errors": loadErrors, "load-spectrum": loadSpectrum,
    cpu: (c) => series(c, "CPU (% of one core)", "%", ["cpu"]),
    rss: (c) => series(c, "RSS of the process tree (MiB)", "MiB", ["rss"]),
    io: (c) => series(c, "storage read (blue) and written (orange), MiB since start", "MiB", ["read", "write"]),
  };

  function draw(element) {
    if (element.dataset.rendered) return;
    element.dataset.rendered = "pending";
    const plot = DRAW[element.dataset.chart](data(element.dataset.source));
    P.show(plot, element).then(() => { element.dataset.rendered = "done"; },
                               (error) => { element.dataset.rendered = "failed"; console.error(error); });
  }

  const charts = document.querySelectorAll("div.chart[data-chart]");
  if ("IntersectionObserver" in window) {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (entry.isIntersecting) { observer.unobserve(entry.target); draw(entry.target); }
      }
    }, { rootMargin: "300px 0px" });
    for (const chart of charts) observer.observe(chart);
  } else {
    for (const chart of charts) draw(chart);
  }
  // Draw everything at once (before printing the page, say).
  window.perfbenchDrawAll = () => { for (const chart of charts) draw(chart); };
  window.addEventListener("beforeprint", window.perfbenchDrawAll);
})();
