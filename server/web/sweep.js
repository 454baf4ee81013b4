// sweep.js: charts of parameters against a metric, for the runs of
// Compare and for a search's trials: parallel coordinates (one vertical
// axis per parameter and one for the metric, one line per run) and a
// scatter of one parameter against the metric. Drawn as SVG (presentation
// attributes only: the page's CSP allows no inline styles), scaled to its
// box so that it never makes the page scroll sideways.

import { el, fmtNum } from './util.js';

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) e.setAttribute(k, String(v));
  for (const k of kids.flat()) if (k != null) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

// axisOf builds the scale of one axis from the values of the items:
// numeric (log when every value is positive and they span more than 100x)
// or categorical (the distinct values, in order of first sight, sorted
// when they are all numbers-as-text). pos(v) is 0 (bottom) .. 1 (top),
// null for a missing value.
export function axisOf(name, values) {
  const present = values.filter((v) => v !== undefined && v !== null);
  const numeric = present.length > 0 && present.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (numeric) {
    let lo = Math.min(...present), hi = Math.max(...present);
    const log = lo > 0 && hi / lo > 100;
    const f = log ? Math.log10 : (x) => x;
    let a = f(lo), b = f(hi);
    if (a === b) { a -= 0.5; b += 0.5; }
    const pos = (v) => (typeof v === 'number' && Number.isFinite(v) ? (f(v) - a) / (b - a) : null);
    return { name, kind: 'num', log, lo, hi, pos, ticks: lo === hi ? [lo] : [lo, hi] };
  }
  const cats = [];
  for (const v of present) { const t = typeof v === 'string' ? v : JSON.stringify(v); if (!cats.includes(t)) cats.push(t); }
  const index = new Map(cats.map((c, i) => [c, i]));
  const pos = (v) => {
    if (v === undefined || v === null) return null;
    const i = index.get(typeof v === 'string' ? v : JSON.stringify(v));
    return cats.length === 1 ? 0.5 : i / (cats.length - 1);
  };
  return { name, kind: 'cat', cats, pos, ticks: cats };
}

const short = (s, n = 18) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const show = (v) => (v === undefined || v === null ? '–' : typeof v === 'number' ? fmtNum(v) : typeof v === 'string' ? v : JSON.stringify(v));

// parallelCoords draws items ({id, label, color, values: {axis: value}})
// over the parameter axes params and the metric last. The SVG's
// data-lines is how many lines it has; each line's data-id its item.
export function parallelCoords(items, params, metric) {
  const names = [...params, metric];
  const axes = names.map((n) => axisOf(n, items.map((it) => it.values[n])));
  // About the size it is shown at (the SVG scales to its box), so that
  // its text stays near 12 px.
  const W = Math.max(760, 150 * names.length), H = 320, top = 34, bottom = 30, left = 70, right = 70;
  const x = (i) => (names.length === 1 ? W / 2 : left + (i * (W - left - right)) / (names.length - 1));
  const y = (p) => top + (1 - p) * (H - top - bottom);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweep-chart', role: 'img', 'aria-label': `parallel coordinates of ${params.join(', ')} against ${metric} for ${items.length} runs`, 'data-lines': items.length, preserveAspectRatio: 'xMidYMid meet' });
  const lines = svg('g', { class: 'pc-lines' });
  for (const it of items) {
    const segs = [];
    let cur = [];
    names.forEach((n, i) => {
      const p = axes[i].pos(it.values[n]);
      if (p == null) { if (cur.length) segs.push(cur); cur = []; return; }
      cur.push(`${x(i).toFixed(1)},${y(p).toFixed(1)}`);
    });
    if (cur.length) segs.push(cur);
    const g = svg('g', { class: 'pc-line', 'data-id': it.id },
      svg('title', {}, `${it.label}\n` + names.map((n) => `${n}: ${show(it.values[n])}`).join('\n')));
    for (const s of segs) {
      if (s.length === 1) { const [cx, cy] = s[0].split(','); g.append(svg('circle', { cx, cy, r: 3, fill: it.color })); } else g.append(svg('polyline', { points: s.join(' '), fill: 'none', stroke: it.color, 'stroke-width': 2, 'stroke-opacity': 0.85 }));
    }
    lines.append(g);
  }
  const axesG = svg('g', { class: 'pc-axes' });
  axes.forEach((a, i) => {
    const g = svg('g', { class: 'pc-axis', 'data-axis': a.name });
    g.append(svg('line', { x1: x(i), x2: x(i), y1: y(0), y2: y(1), stroke: '#586173', 'stroke-width': 1 }));
    g.append(svg('text', { x: x(i), y: 14, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': i === axes.length - 1 ? 700 : 600, fill: '#1d2330' }, svg('title', {}, a.name + (a.log ? ' (log scale)' : '')), short(a.name.replace(/^model\.params\./, ''), 20) + (a.log ? ' (log)' : '')));
    const tickLabel = (t) => short(typeof t === 'number' ? fmtNum(t) : t, 14);
    for (const t of a.ticks) {
      const ty = y(a.pos(t));
      g.append(svg('line', { x1: x(i) - 4, x2: x(i), y1: ty, y2: ty, stroke: '#586173' }));
      g.append(svg('text', { x: x(i) - 6, y: ty + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#3b4252', 'paint-order': 'stroke', stroke: '#fff', 'stroke-width': 3 }, tickLabel(t)));
    }
    axesG.append(g);
  });
  root.append(axesG, lines);
  return root;
}

// scatter draws items against the parameter param (x) and metric (y).
export function scatter(items, param, metric) {
  const ax = axisOf(param, items.map((it) => it.values[param]));
  const ay = axisOf(metric, items.map((it) => it.values[metric]));
  const W = 560, H = 320, left = 64, right = 20, top = 16, bottom = 44;
  const x = (p) => left + p * (W - left - right);
  const y = (p) => top + (1 - p) * (H - top - bottom);
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'sweep-chart scatter', role: 'img', 'aria-label': `${metric} against ${param} for ${items.length} runs` });
  root.append(svg('rect', { x: left, y: top, width: W - left - right, height: H - top - bottom, fill: '#fbfcfd', stroke: '#d9dde5' }));
  const tick = (a, horizontal) => {
    const ts = a.kind === 'num' ? (a.lo === a.hi ? [a.lo] : [a.lo, (a.log ? Math.sqrt(a.lo * a.hi) : (a.lo + a.hi) / 2), a.hi]) : a.cats;
    for (const t of ts) {
      const p = a.pos(t);
      if (horizontal) root.append(svg('text', { x: x(p), y: H - bottom + 16, 'text-anchor': 'middle', 'font-size': 11, fill: '#3b4252' }, short(typeof t === 'number' ? fmtNum(t) : t, 14)));
      else root.append(svg('text', { x: left - 6, y: y(p) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#3b4252' }, short(typeof t === 'number' ? fmtNum(t) : t, 10)));
    }
  };
  tick(ax, true);
  tick(ay, false);
  root.append(svg('text', { x: left + (W - left - right) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600, fill: '#1d2330' }, param.replace(/^model\.params\./, '') + (ax.log ? ' (log scale)' : '')));
  root.append(svg('text', { x: 14, y: top + (H - top - bottom) / 2, 'text-anchor': 'middle', 'font-size': 12, 'font-weight': 600, fill: '#1d2330', transform: `rotate(-90 14 ${top + (H - top - bottom) / 2})` }, metric));
  let n = 0;
  for (const it of items) {
    const px = ax.pos(it.values[param]), py = ay.pos(it.values[metric]);
    if (px == null || py == null) continue;
    n++;
    root.append(svg('circle', { cx: x(px).toFixed(1), cy: y(py).toFixed(1), r: 5, fill: it.color, stroke: '#fff', 'stroke-width': 1, 'data-id': it.id, class: 'pt' },
      svg('title', {}, `${it.label}\n${param}: ${show(it.values[param])}\n${metric}: ${show(it.values[metric])}`)));
  }
  root.setAttribute('data-points', String(n));
  return root;
}

// sweepPanel is the panel of both charts with its pickers: items as for
// parallelCoords, params the parameter names, metrics the metric names
// (the first is shown first). prefix keeps the ids apart.
export function sweepPanel(items, params, metrics, { prefix = 'sweep', what = 'runs' } = {}) {
  const box = el('section', { class: 'sweep', id: prefix });
  if (!params.length || !metrics.length) {
    box.append(el('p', { class: 'muted', id: prefix + '-none', text: !metrics.length ? `The ${what} have no final metric to plot.` : `The ${what} share every parameter: nothing to plot against.` }));
    return box;
  }
  const metricSel = el('select', { id: prefix + '-metric', name: 'metric' }, metrics.map((m) => el('option', { value: m, text: m })));
  const paramSel = el('select', { id: prefix + '-param', name: 'param' }, params.map((p) => el('option', { value: p, text: p.replace(/^model\.params\./, '') })));
  const pcBox = el('div', { class: 'sweep-box', id: prefix + '-parallel' });
  const scBox = el('div', { class: 'sweep-box', id: prefix + '-scatter' });
  const draw = () => {
    pcBox.replaceChildren(parallelCoords(items, params, metricSel.value));
    scBox.replaceChildren(scatter(items, paramSel.value, metricSel.value));
  };
  metricSel.onchange = draw;
  paramSel.onchange = draw;
  box.append(
    el('div', { class: 'toolbar' },
      el('label', { for: prefix + '-metric', text: 'metric' }), metricSel,
      el('label', { for: prefix + '-param', text: 'scatter parameter' }), paramSel),
    el('div', { class: 'sweep-grid' },
      el('figure', {}, pcBox, el('figcaption', { class: 'muted small', text: 'Parallel coordinates: one line per run through its parameters to the metric (hover a line for its values).' })),
      el('figure', {}, scBox, el('figcaption', { class: 'muted small', text: 'One parameter against the metric.' }))));
  draw();
  return box;
}
