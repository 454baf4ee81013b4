// chart.js: line charts on uPlot (vendor/uplot, loaded as a classic script
// that defines window.uPlot), with decimation for long series and redraws
// throttled to one per 200 ms.

import { el, download } from './util.js';

// ema smooths pts ([[x, y], ...]) as TensorBoard does: an exponential
// moving average with weight w (0: none, up to 0.99), debiased so that
// the first points are not pulled towards 0.
export function ema(pts, w) {
  if (!(w > 0)) return pts;
  // One pass, the debiasing weight w^n kept as a running product: a
  // slider move over 100,000 points redraws within a frame or two.
  let last = 0, wn = 1;
  const out = new Array(pts.length);
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i], y = p[1];
    if (y == null || !Number.isFinite(y)) { out[i] = p; continue; }
    last = last * w + (1 - w) * y;
    wn *= w;
    out[i] = [p[0], last / (1 - wn)];
  }
  return out;
}

let chartSeq = 0;

export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

// SERIES_COLORS fixes the colour of the usual series, so that loss is the
// same blue on every chart, live or reloaded; other names get one from a
// hash of the name (the same name, the same colour, whatever the order the
// series arrived in).
const SERIES_COLORS = { loss: 0, epoch_loss: 0, val_loss: 1, accuracy: 2, val_accuracy: 2, train_accuracy: 5, lr: 3, f1_macro: 4, val_f1_macro: 4, r2: 6, val_r2: 6 };

// colorOf is the stable colour of a series name.
export function colorOf(name) {
  if (name in SERIES_COLORS) return COLORS[SERIES_COLORS[name]];
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return COLORS[(h >>> 0) % COLORS.length];
}

// runColors gives each run id its colour: the one a hash of the id picks
// from COLORS, so that a run keeps its colour whatever the other runs, their
// order in the address or a reload; when two runs of ids pick the same, the
// older (ids sort by creation) keeps it and the newer takes the next free
// one, while any is free. It returns a Map id → colour.
export function runColors(ids) {
  const out = new Map();
  const used = new Set();
  for (const id of [...new Set(ids)].sort()) {
    let h = 2166136261;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
    h = Math.imul(h ^ (h >>> 15), 2246822507) >>> 0;
    let k = h % COLORS.length;
    for (let j = 0; j < COLORS.length && used.has(k); j++) k = (k + 1) % COLORS.length;
    used.add(k);
    out.set(id, COLORS[k]);
  }
  return out;
}

// MAX_POINTS is how many points of one series are drawn at most; longer
// series are decimated (min and max of each bucket, which keeps spikes).
export const MAX_POINTS = 10000;
const REDRAW_MS = 200;

// decimate returns at most about max points of pts ([[x, y], ...], sorted by
// x), keeping each bucket's lowest and highest value in x order.
export function decimate(pts, max = MAX_POINTS) {
  if (pts.length <= max) return pts;
  const buckets = Math.floor(max / 2);
  const size = pts.length / buckets;
  const out = [];
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * size), hi = Math.min(pts.length, Math.floor((b + 1) * size));
    let mn = lo, mx = lo;
    for (let i = lo + 1; i < hi; i++) {
      if (pts[i][1] < pts[mn][1]) mn = i;
      if (pts[i][1] > pts[mx][1]) mx = i;
    }
    if (mn === mx) out.push(pts[mn]);
    else if (mn < mx) out.push(pts[mn], pts[mx]);
    else out.push(pts[mx], pts[mn]);
  }
  const last = pts[pts.length - 1];
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

// align turns series of [x, y] points into uPlot's columns: the sorted
// union of x values and one y array per series (null where a series has no
// point).
export function align(list) {
  const dec = list.map((pts) => decimate(pts));
  if (dec.length === 1) return [dec[0].map((p) => p[0]), dec[0].map((p) => p[1])];
  const xset = new Set();
  for (const pts of dec) for (const p of pts) xset.add(p[0]);
  const xs = Float64Array.from(xset).sort();
  const index = new Map();
  xs.forEach((x, i) => index.set(x, i));
  const cols = dec.map((pts) => {
    const ys = new Array(xs.length).fill(null);
    for (const p of pts) ys[index.get(p[0])] = p[1];
    return ys;
  });
  return [Array.from(xs), ...cols];
}

// alignAll is align without decimation (every point, for CSV).
function alignAll(list) {
  const xset = new Set();
  for (const pts of list) for (const p of pts) xset.add(p[0]);
  const xs = Float64Array.from(xset).sort();
  const index = new Map();
  xs.forEach((x, i) => index.set(x, i));
  return [Array.from(xs), ...list.map((pts) => {
    const ys = new Array(xs.length).fill(null);
    for (const p of pts) ys[index.get(p[0])] = p[1];
    return ys;
  })];
}

const fmtX = (x) => (Number.isInteger(x) ? String(x) : Number(x).toPrecision(4));

// LineChart draws named series of [x, y] points in a container; add points
// with set() and it redraws at most every 200 ms. The container's
// data-points attribute says how many points the last draw had.
export class LineChart {
  // color(label) is a series' colour (default colorOf); fill, when set,
  // makes the legend show, at the cursor's x, each series' last value at
  // or before it (series of different runs rarely share their x values).
  constructor(container, { title, xLabel, yLabel, height = 230, secondAxis = null, color = colorOf, fill = false }) {
    this.box = el('div', { class: 'chart' });
    this.container = container;
    container.append(this.box);
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel || '';
    this.height = height;
    this.secondAxis = secondAxis; // function(name) → true for the right axis
    this.color = color;
    this.fill = fill;
    this.series = new Map(); // label → points
    this.plot = null;
    this.names = '';
    this.timer = null;
    this.lastDraw = 0;
    this.draws = 0;
    this.smooth = 0;
    this.log = false;
    const n = ++chartSeq;
    const slider = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', id: `smooth-${n}`, class: 'smooth', oninput: () => {
      this.smooth = Number(slider.value);
      sval.textContent = slider.value;
      this.draw();
    } });
    const sval = el('output', { for: `smooth-${n}`, text: '0' });
    const logBox = el('input', { type: 'checkbox', id: `log-${n}`, class: 'log-scale', onchange: () => { this.log = logBox.checked; this.names = ''; this.draw(); } });
    this.controls = el('div', { class: 'chart-controls hidden' },
      el('label', { for: `smooth-${n}`, text: 'smoothing' }), slider, sval,
      logBox, el('label', { for: `log-${n}`, text: 'log scale' }),
      el('span', { class: 'grow' }),
      el('button', { type: 'button', class: 'link', text: 'PNG', title: 'download the chart as PNG', onclick: () => this.png() }),
      el('button', { type: 'button', class: 'link', text: 'CSV', title: 'download the points (unsmoothed) as CSV', onclick: () => this.csv() }));
    container.prepend(this.controls);
    this.empty = el('div', { class: 'chart-empty', text: 'No points yet' });
    this.box.append(this.empty);
    this.resize = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: this.height });
    });
    this.resize.observe(container);
  }

  width() { return Math.max(240, this.container.clientWidth - 4); }

  // set replaces the points of one series (the array is kept by reference,
  // so callers may push to it and call touch()).
  set(label, pts) {
    this.series.set(label, pts);
    this.touch();
  }

  // touch schedules a redraw.
  touch() {
    if (this.timer) return;
    const wait = Math.max(0, REDRAW_MS - (performance.now() - this.lastDraw));
    this.timer = setTimeout(() => { this.timer = null; this.draw(); }, wait);
  }

  points() {
    let n = 0;
    for (const p of this.series.values()) n += p.length;
    return n;
  }

  draw() {
    const t0 = performance.now();
    this.lastDraw = t0;
    const labels = [...this.series.keys()].filter((k) => this.series.get(k).length > 0);
    const total = this.points();
    this.container.dataset.points = String(total);
    if (labels.length === 0) return;
    this.empty.remove();
    this.controls.classList.remove('hidden');
    const data = align(labels.map((k) => ema(this.series.get(k), this.smooth)));
    if (this.log) for (let j = 1; j < data.length; j++) data[j] = data[j].map((v) => (v != null && v > 0 ? v : null));
    let sum = 0;
    for (const v of data[1]) if (v != null) sum += v;
    this.container.dataset.ySum = sum.toPrecision(8);
    this.container.dataset.xMax = String(data[0][data[0].length - 1]);
    const key = labels.join('\u0000');
    if (!this.plot || key !== this.names || this.xLabel !== this.drawnX) {
      this.drawnX = this.xLabel;
      if (this.plot) this.plot.destroy();
      this.names = key;
      const right = this.secondAxis ? labels.some((k) => this.secondAxis(k)) : false;
      const opts = {
        title: this.title,
        width: this.width(),
        height: this.height,
        scales: { x: { time: false }, y: { distr: this.log ? 3 : 1 }, y2: { distr: this.log ? 3 : 1 } },
        axes: [{ label: this.xLabel, values: (u, splits) => splits.map((v) => (v == null ? '' : String(+Number(v).toPrecision(4)))) }, { label: this.yLabel, size: 60 }],
        series: [{ label: this.xLabel }].concat(labels.map((k, i) => ({
          label: k,
          stroke: this.color(k, i),
          width: 1.5,
          spanGaps: true,
          scale: right && this.secondAxis(k) ? 'y2' : 'y',
          value: (u, v, si, di) => {
            if (v == null && this.fill && di != null) {
              const ys = u.data[si];
              for (let j = Math.min(di, ys.length - 1); j >= 0; j--) if (ys[j] != null) return Number(ys[j]).toPrecision(4) + ' @' + fmtX(u.data[0][j]);
            }
            return v == null ? '–' : Number(v).toPrecision(4);
          },
        }))),
        legend: { live: true },
        cursor: { drag: { x: true, y: false } },
      };
      if (right) opts.axes.push({ side: 1, scale: 'y2', grid: { show: false }, size: 60 });
      this.plot = new window.uPlot(opts, data, this.box);
    } else {
      this.plot.setData(data);
    }
    this.draws++;
    this.container.dataset.draws = String(this.draws);
    this.container.dataset.drawMs = (performance.now() - t0).toFixed(1);
  }

  // csv downloads every point drawn (before smoothing), one column a series.
  csv() {
    const labels = [...this.series.keys()].filter((k) => this.series.get(k).length > 0);
    if (!labels.length) return;
    const cols = alignAll(labels.map((k) => this.series.get(k)));
    const q = (t) => (/[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t);
    const lines = [[this.xLabel, ...labels].map(q).join(',')];
    for (let i = 0; i < cols[0].length; i++) lines.push(cols.map((c) => (c[i] == null ? '' : String(c[i]))).join(','));
    download((this.title || 'chart').replace(/[^A-Za-z0-9._-]+/g, '-') + '.csv', lines.join('\n') + '\n', 'text/csv');
  }

  // png downloads the chart's canvas.
  png() {
    if (!this.plot) return;
    this.plot.ctx.canvas.toBlob((b) => {
      if (!b) return;
      const url = URL.createObjectURL(b);
      const a = el('a', { href: url, download: (this.title || 'chart').replace(/[^A-Za-z0-9._-]+/g, '-') + '.png' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  }

  destroy() {
    clearTimeout(this.timer);
    this.resize.disconnect();
    if (this.plot) this.plot.destroy();
  }
}
