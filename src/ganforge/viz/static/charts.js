// Curves of a run's metrics as inline SVG: no library, no network. Shared by the report and the
// live page. layout: [{title, keys, reference, log_y, invert, note}] (ganforge/viz/charts.py);
// records: [{step, key: number|null, ...}] in step order.
"use strict";
var GanforgeCharts = (function () {
  var COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
  var W = 360, H = 200, PAD = {left: 56, right: 10, top: 10, bottom: 26};
  var MAX_POINTS = 600;  // per series; longer runs are thinned evenly (the last point is kept)
  var SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function transform(chart, v) {
    if (v === null || v === undefined || !isFinite(v)) return null;
    if (chart.invert) v = v > 0 ? 1 / v : null;
    if (v !== null && chart.log_y) v = v > 0 ? Math.log10(v) : null;
    return v;
  }

  function series(chart, key, records) {
    var pts = [];
    for (var i = 0; i < records.length; i++) {
      if (!(key in records[i])) continue;
      var y = transform(chart, records[i][key]);
      pts.push([records[i].step, y]);
    }
    if (pts.length > MAX_POINTS) {
      var stride = pts.length / MAX_POINTS, thin = [];
      for (var j = 0; j < MAX_POINTS; j++) thin.push(pts[Math.floor(j * stride)]);
      thin.push(pts[pts.length - 1]);
      pts = thin;
    }
    return pts;
  }

  function label(chart, v, span) {
    if (chart.log_y) return Math.pow(10, v).toExponential(1);
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
    // enough digits to tell the two ends of the axis apart
    var digits = Math.min(8, Math.max(3, Math.ceil(Math.log10((a || 1) / span)) + 2));
    return String(+v.toPrecision(digits));
  }

  function extent(values) {
    var lo = Infinity, hi = -Infinity;
    values.forEach(function (v) { if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); } });
    if (lo === Infinity) return null;
    if (lo === hi) { lo -= 0.5 * (Math.abs(lo) || 1); hi += 0.5 * (Math.abs(hi) || 1); }
    return [lo, hi];
  }

  function drawOne(chart, records) {
    var fig = document.createElement("figure");
    fig.className = "chart";
    var cap = document.createElement("figcaption");
    cap.textContent = chart.title + (chart.log_y ? " (log scale)" : "");
    fig.appendChild(cap);
    var all = chart.keys.map(function (k) { return series(chart, k, records); });
    var ys = [], xs = [];
    all.forEach(function (pts) { pts.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
    var ref = chart.reference === null || chart.reference === undefined ? null : transform(chart, chart.reference);
    if (ref !== null) ys.push(ref);
    var yr = extent(ys), xr = extent(xs);
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, "class": "curves", role: "img",
                         "aria-label": chart.title}, fig);
    if (!yr || !xr) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = "no values yet";
      return fig;
    }
    var sx = function (x) { return PAD.left + (x - xr[0]) / (xr[1] - xr[0]) * (W - PAD.left - PAD.right); };
    var sy = function (y) { return H - PAD.bottom - (y - yr[0]) / (yr[1] - yr[0]) * (H - PAD.top - PAD.bottom); };
    el("rect", {x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right, height: H - PAD.top - PAD.bottom,
                "class": "frame"}, svg);
    [[yr[0], H - PAD.bottom], [yr[1], PAD.top + 8]].forEach(function (t) {
      el("text", {x: PAD.left - 4, y: t[1], "text-anchor": "end", "class": "tick"}, svg).textContent = label(chart, t[0], yr[1] - yr[0]);
    });
    [[xr[0], "start", PAD.left], [xr[1], "end", W - PAD.right]].forEach(function (t) {
      el("text", {x: t[2], y: H - 8, "text-anchor": t[1], "class": "tick"}, svg).textContent = "step " + Math.round(t[0]);
    });
    if (ref !== null) {
      el("line", {x1: PAD.left, x2: W - PAD.right, y1: sy(ref), y2: sy(ref), "class": "reference"}, svg);
    }
    all.forEach(function (pts, i) {
      var colour = COLOURS[i % COLOURS.length], d = "", pen = "M";
      pts.forEach(function (p) {
        if (p[1] === null) { pen = "M"; return; }  // NaN/inf: a gap in the line
        d += pen + sx(p[0]).toFixed(1) + "," + sy(p[1]).toFixed(1);
        pen = "L";
      });
      el("path", {d: d, stroke: colour, "class": "series", "data-key": chart.keys[i]}, svg);
    });
    healthMarks(svg, records, sx, xr);
    var legend = document.createElement("div");
    legend.className = "legend";
    chart.keys.forEach(function (k, i) {
      var item = document.createElement("span");
      item.style.color = COLOURS[i % COLOURS.length];
      item.textContent = "━ " + (chart.invert ? "1 / " + k : k);
      legend.appendChild(item);
    });
    if (chart.note) {
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = chart.note;
      legend.appendChild(note);
    }
    fig.appendChild(legend);
    return fig;
  }

  // The health state of each evaluation (ganforge/training/health.py) as a mark under the curves:
  // green when healthy, red otherwise; hovering names the state.
  function healthMarks(svg, records, sx, xr) {
    records.forEach(function (r) {
      if (typeof r.health !== "string" || r.step < xr[0] || r.step > xr[1]) return;
      var mark = el("circle", {cx: sx(r.step).toFixed(1), cy: H - PAD.bottom - 4, r: 3,
                               "class": "health-mark " + (r.health === "healthy" ? "healthy" : "unhealthy"),
                               "data-health": r.health}, svg);
      el("title", {}, mark).textContent = "step " + r.step + ": " + r.health;
    });
  }

  function draw(container, layout, records) {
    var fragment = document.createDocumentFragment();
    layout.forEach(function (chart) { fragment.appendChild(drawOne(chart, records)); });
    container.replaceChildren(fragment);
  }

  return {draw: draw};
})();
