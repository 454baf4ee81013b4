// runs.js: the runs list, a run's page (live charts from the SSE stream)
// and the comparison of several runs.

import { predictPanel } from './predict.js';
import { evaluatePanel } from './evaluate.js';
import { el, clear, api, classes, fmtNum, fmtDuration, fmtTime, mainMetric, statusBadge, download, eventsURL } from './util.js';
import { LineChart, runColors } from './chart.js';
import { sweepPanel } from './sweep.js';
import { LOAD_KEY } from './form.js';

const PAGE = 50;
const selected = new Set(); // runs ticked for comparison, kept across pages

const active = (st) => st === 'queued' || st === 'running';

// isEpochSeries says whether a series is per epoch (drawn against epochs)
// rather than per step or iteration.
export const isEpochSeries = (name) => /^(epoch_|val_|train_)/.test(name) || name === 'lr';

// progressOf turns a progress event into [fraction, text].
function progressOf(p) {
  if (!p) return null;
  if (p.epochs) {
    const f = ((p.epoch || 0) - 1 + (p.total ? (p.step || 0) / p.total : 1)) / p.epochs;
    return [Math.max(0, Math.min(1, p.kind === 'epoch' ? p.epoch / p.epochs : f)), `epoch ${p.epoch || 0}/${p.epochs}`];
  }
  if (p.total) return [Math.min(1, (p.step || 0) / p.total), `${p.step || 0}/${p.total}`];
  if (p.step) return [null, `step ${p.step}`];
  return null;
}

function progressBar(p) {
  const pr = progressOf(p);
  if (!pr) return el('span', { class: 'muted', text: '…' });
  const bar = el('span', { class: 'bar' }, el('span', { class: 'fill' }));
  if (pr[0] != null) bar.firstChild.style.width = (pr[0] * 100).toFixed(1) + '%';
  else bar.classList.add('indeterminate');
  return el('span', { class: 'progress' }, bar, el('small', { text: pr[1] }));
}

// sweepNote is the runs table's word on a sweep parent beside its name
// ("sweep · 6 trials · 2/6 done · 1 failed", or "cv · 5 folds"): a link
// to its page, which lists the child runs.
function sweepNote(r) {
  const s = r.sweep;
  if (!s) return null;
  const n = (k, one) => `${k} ${one}${k === 1 ? '' : 's'}`;
  const parts = [s.kind === 'cv' ? 'cv · ' + n(s.total, 'fold') : 'sweep · ' + n(s.total, 'trial')];
  if (s.done < s.total) parts.push(`${s.done}/${s.total} done`);
  if (s.failed) parts.push(`${s.failed} failed`);
  return el('a', { class: 'sweep-count muted small', href: '#/runs/' + r.id, title: 'its child runs are listed on its page', text: parts.join(' · ') });
}

// ---- list ----

// The runs table asks the server for one page at a time, sorted and
// filtered there (GET /api/runs?sort=&order=&filter=&offset=&as_of=): a
// table of 10,000 runs costs the page what a table of 50 does. The pages
// of one listing share a snapshot (as_of): runs made meanwhile do not shift
// the page a person is on; a "new runs" button brings them in.

const COLS_KEY = 'mlforge.runs.columns';
const DEFAULT_COLS = ['main_metric', 'duration'];

// colInfo describes a column by id: its label, the server's sort key, the
// direction a first click sorts in, and the cell of a run. Fixed columns
// (status, name, model, started) are always shown; the others are picked.
export function colInfo(id) {
  const fixed = {
    status: { label: 'Status', sort: 'status', asc: true },
    name: { label: 'Name', sort: 'name', asc: true },
    model: { label: 'Model', sort: 'class', asc: true },
    // Started shows when the run started (or was made, while queued) and
    // sorts by creation.
    started: { label: 'Started', sort: 'created', cell: (r) => fmtTime(r.started_at || r.created_at) },
    main_metric: { label: 'Main metric', sort: 'main_metric', cell: (r) => { const m = mainMetric(r.metrics); return m ? `${m[0]} ${fmtNum(m[1])}` : '–'; }, title: (r) => { const m = mainMetric(r.metrics); return m ? m[0] : ''; } },
    duration: { label: 'Duration', sort: 'duration', cell: (r) => fmtDuration(r.duration_s) },
    dataset: { label: 'Dataset', sort: 'dataset', asc: true, cell: (r) => r.dataset || '–' },
    note: { label: 'Note', sort: 'note', asc: true, cell: (r) => (r.note ? r.note.split('\n')[0].slice(0, 60) : ''), title: (r) => r.note || '' },
  };
  if (fixed[id]) return { id, ...fixed[id] };
  const m = /^(metric|param|tag)\.([A-Za-z0-9._-]{1,64})$/.exec(id);
  if (!m) return null;
  const [, kind, key] = m;
  if (kind === 'metric') return { id, label: key, sort: id, cell: (r) => fmtNum((r.metrics || {})[key]) };
  if (kind === 'tag') return { id, label: key, sort: id, asc: true, cell: (r) => ((r.tags || {})[key] ?? '–') };
  return { id, label: key, sort: id, asc: true, cell: (r) => { const v = paramOf(r, key); return v === undefined ? '–' : typeof v === 'string' ? v : JSON.stringify(v); } };
}

// paramOf is a run's model parameter key (a.b for a nested one).
function paramOf(r, key) {
  let v = r.params;
  if (typeof v === 'string') { try { v = JSON.parse(v); } catch { return undefined; } }
  for (const k of key.split('.')) {
    if (!v || typeof v !== 'object') return undefined;
    v = v[k];
  }
  return v;
}

function loadCols() {
  try {
    const c = JSON.parse(localStorage.getItem(COLS_KEY) || 'null');
    if (Array.isArray(c)) return c.filter((id) => typeof id === 'string' && colInfo(id)).slice(0, 30);
  } catch { /* a bad entry: the default */ }
  return DEFAULT_COLS.slice();
}

export function renderRuns(main, query) {
  let runs = [];
  let total = 0;
  let asOf = 0; // the snapshot of this listing (Unix ms), 0 = take a new one
  let offset = Math.max(0, Number.parseInt(query.get('page') || '0', 10) || 0) * PAGE;
  let timer = null;
  let stopped = false;
  let loading = 0;
  let cols = loadCols();
  let sortCol = query.get('sort') || '';
  if (sortCol && !colInfo(sortCol)) sortCol = '';
  let sortDir = query.get('dir') === 'asc' ? 'asc' : 'desc';
  const streams = new Map(); // run id → {es, progress}
  const rows = new Map(); // run id → {tr, sig}: rows kept while they show the same
  const reset = () => { if (stopped) return; offset = 0; asOf = 0; keepURL(); load(); };
  const statusSel = el('select', { name: 'status', id: 'runs-status', onchange: reset },
    ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => el('option', { value: s, text: s || 'any status' })));
  statusSel.value = query.get('status') || '';
  let typing = null;
  const nameIn = el('input', { type: 'search', name: 'q', id: 'runs-filter', size: 44, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'name, or param.lr > 0.01 AND metric.accuracy >= 0.9', value: query.get('q') || '',
    title: 'A name substring, or conditions joined by AND: metric.NAME, param.NAME, tag.KEY, name, status, model, dataset, duration, created with = != < <= > >= LIKE ILIKE',
    oninput: () => { clearTimeout(typing); typing = setTimeout(reset, 300); },
    onkeydown: (ev) => { if (ev.key === 'Enter') { clearTimeout(typing); reset(); } } });
  const cmpBtn = el('button', { type: 'button', id: 'compare-selected', class: 'primary', onclick: () => {
    if (selected.size >= 2) location.hash = '#/compare?ids=' + [...selected].join(',');
  } });
  const delBtn = el('button', { type: 'button', id: 'delete-selected', class: 'danger', onclick: () => deleteSelected() });
  const newer = el('button', { type: 'button', id: 'newer', text: '← Previous', onclick: () => { if (offset > 0) { offset = Math.max(0, offset - PAGE); keepURL(); load(); } } });
  const older = el('button', { type: 'button', id: 'older', text: 'Next →', onclick: () => { if (offset + runs.length < total) { offset += PAGE; keepURL(); load(); } } });
  const pageInfo = el('span', { class: 'muted pager', id: 'runs-count', 'aria-live': 'polite' });
  const fresh = el('button', { type: 'button', id: 'show-newer', class: 'link hidden', onclick: () => { asOf = 0; load(); } });
  const colPicker = el('details', { class: 'col-picker', id: 'col-picker' }, el('summary', { text: 'Columns' }));
  const colList = el('div', { class: 'col-list' });
  colPicker.append(colList);
  colPicker.addEventListener('toggle', () => { if (colPicker.open) fillPicker(); });
  const thead = el('thead');
  const tbody = el('tbody');
  const errBox = el('div', { class: 'errors hidden', id: 'runs-error', role: 'alert' });
  const selectAll = el('input', { type: 'checkbox', id: 'pick-all', 'aria-label': 'select every run shown', onchange: () => {
    for (const r of runs) if (selectAll.checked) selected.add(r.id); else selected.delete(r.id);
    for (const cb of tbody.querySelectorAll('input.pick')) cb.checked = selected.has(cb.value);
    updateButtons();
  } });
  clear(main).append(
    el('div', { class: 'toolbar' }, el('h1', { text: 'Runs' }),
      el('label', { for: 'runs-status', class: 'sr-only', text: 'status' }), statusSel,
      el('label', { for: 'runs-filter', class: 'sr-only', text: 'search runs by name or filter' }), nameIn,
      colPicker, fresh,
      el('span', { class: 'grow' }), newer, pageInfo, older, cmpBtn, delBtn),
    errBox,
    el('div', { class: 'table-scroll' }, el('table', { class: 'runs', id: 'runs-table' }, thead, tbody)));

  // shown is every column of the table, in order.
  const shown = () => ['status', 'name', 'model', ...cols, 'started'].map(colInfo).filter(Boolean);

  // drawHead draws the header for the sort and the columns of the rows
  // shown (called by draw, so that aria-sort always tells the rows' order).
  let headKey = '';
  function drawHead() {
    const key = JSON.stringify([sortCol, sortDir, cols]);
    if (key === headKey) return;
    headKey = key;
    const sortBtn = (c) => el('button', { type: 'button', class: 'sort', dataset: { sort: c.id, dir: c.id === sortCol ? sortDir : '' }, text: c.label, title: c.sort, onclick: () => {
      if (sortCol === c.id) sortDir = sortDir === 'asc' ? 'desc' : 'asc';
      else { sortCol = c.id; sortDir = c.asc ? 'asc' : 'desc'; }
      reset();
    } });
    clear(thead).append(el('tr', {}, el('th', {}, selectAll), shown().map((c) => {
      const th = el('th', { dataset: { col: c.id }, 'aria-sort': c.id === sortCol ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none' }, sortBtn(c));
      if (!['status', 'name', 'model', 'started'].includes(c.id)) th.classList.add('picked');
      return th;
    }), el('th', { text: 'Progress' })));
  }

  // fillPicker lists the columns to choose from: the fixed extras and the
  // params, metrics and tags the runs have (GET /api/runs/columns).
  async function fillPicker() {
    let avail = { params: [], metrics: [], tags: [] };
    try { avail = await api('GET', '/api/runs/columns'); } catch (e) { showErr(e); }
    const box = (id, label) => el('label', { class: 'col-choice' }, el('input', { type: 'checkbox', value: id, checked: cols.includes(id), dataset: { col: id }, onchange: (ev) => {
      cols = ev.target.checked ? [...cols.filter((c) => c !== id), id] : cols.filter((c) => c !== id);
      localStorage.setItem(COLS_KEY, JSON.stringify(cols));
      if (!cols.includes(sortCol) && !['status', 'name', 'model', 'started', ''].includes(sortCol)) { sortCol = ''; keepURL(); }
      rows.clear();
      draw();
    } }), ' ', label);
    const group = (title, ids) => (ids.length ? el('fieldset', {}, el('legend', { text: title }), ids.map(([id, label]) => box(id, label))) : null);
    const extra = cols.filter((c) => c.startsWith('param.') || c.startsWith('metric.') || c.startsWith('tag.'));
    const merge = (prefix, names) => [...new Set([...names.map((n) => prefix + n), ...extra.filter((c) => c.startsWith(prefix))])].sort().map((id) => [id, id.slice(prefix.length)]);
    clear(colList).append(
      group('Run', [['main_metric', 'main metric'], ['duration', 'duration'], ['dataset', 'dataset'], ['note', 'note']]),
      group('Final test metrics', merge('metric.', avail.metrics || [])),
      group('Parameters', merge('param.', avail.params || [])),
      group('Tags', merge('tag.', avail.tags || [])));
  }

  // keepURL writes the filters, the sort and the page into the address
  // (without a new history entry or a re-render), so that a reload keeps
  // them.
  function keepURL() {
    // Not once the page is leaving: a late search must not write the runs
    // address over the one just followed (compare, a run).
    if (stopped || !/^(#\/runs(\?.*)?)?$/.test(location.hash)) return;
    const q = new URLSearchParams();
    if (statusSel.value) q.set('status', statusSel.value);
    if (nameIn.value.trim()) q.set('q', nameIn.value.trim());
    if (sortCol) { q.set('sort', sortCol); q.set('dir', sortDir); }
    if (offset > 0) q.set('page', String(Math.floor(offset / PAGE)));
    const h = '#/runs' + (q.toString() ? '?' + q : '');
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  function updateButtons() {
    cmpBtn.textContent = `Compare selected (${selected.size})`;
    cmpBtn.disabled = selected.size < 2;
    delBtn.textContent = `Delete selected (${selected.size})`;
    delBtn.disabled = selected.size < 1;
    selectAll.checked = runs.length > 0 && runs.every((r) => selected.has(r.id));
  }

  async function deleteSelected() {
    const ids = [...selected];
    if (!ids.length) return;
    if (!confirm(`Delete ${ids.length} run${ids.length > 1 ? 's' : ''} and their models? This cannot be undone.`)) return;
    delBtn.disabled = true;
    try {
      await api('POST', '/api/runs/delete', { ids });
      for (const id of ids) selected.delete(id);
      asOf = 0;
      await load();
    } catch (e) {
      showErr(e);
      updateButtons();
    }
  }

  function showErr(e) {
    clear(errBox).append(e.message);
    errBox.classList.remove('hidden');
    if (e.field === 'filter') nameIn.setAttribute('aria-invalid', 'true');
  }

  function progressCell(r) {
    const st = streams.get(r.id);
    return el('td', { class: 'progress-cell' }, r.status === 'running' ? progressBar(st && st.progress) : r.status === 'queued' ? el('span', { class: 'muted', text: 'waiting' }) : r.error ? el('span', { class: 'error small', title: r.error, text: r.error.slice(0, 60) }) : '');
  }

  function row(r, columns) {
    const cb = el('input', { type: 'checkbox', class: 'pick', value: r.id, checked: selected.has(r.id), 'aria-label': 'select ' + r.name, onchange: () => {
      if (cb.checked) selected.add(r.id); else selected.delete(r.id);
      updateButtons();
    } });
    const cells = columns.map((c) => {
      if (c.id === 'status') return el('td', {}, statusBadge(r.status));
      if (c.id === 'name') return el('td', {}, el('a', { href: '#/runs/' + r.id, text: r.name }), sweepNote(r), r.tags && Object.keys(r.tags).length ? el('span', { class: 'tag-count muted small', title: Object.entries(r.tags).map(([k, v]) => `${k}: ${v}`).join('\n'), text: ` ◆${Object.keys(r.tags).length}` }) : null);
      if (c.id === 'model') return el('td', { text: r.class });
      return el('td', { text: c.cell(r), title: c.title ? c.title(r) : null });
    });
    return el('tr', { dataset: { id: r.id, status: r.status } }, el('td', {}, cb), cells, progressCell(r));
  }

  // draw shows runs, keeping the rows (and what is under the pointer) of
  // runs that show the same as before: a refresh of a page whose runs did
  // not change touches nothing, and one where a run changed replaces that
  // row alone.
  function draw() {
    const t0 = performance.now();
    drawHead();
    const columns = shown();
    const next = runs.map((r) => {
      const sig = JSON.stringify([r.status, r.name, r.metrics, r.status === 'running' ? 'live' : r.duration_s, r.error, r.tags, r.note, r.dataset, r.params, r.sweep]);
      const old = rows.get(r.id);
      if (old && old.sig === sig) {
        const cb = old.tr.querySelector('input.pick');
        if (cb) cb.checked = selected.has(r.id);
        return old;
      }
      return { tr: row(r, columns), sig };
    });
    const kids = tbody.children;
    const sameOrder = runs.length > 0 && kids.length === runs.length && runs.every((r, i) => kids[i].dataset.id === r.id);
    if (sameOrder) {
      next.forEach((v, i) => { if (kids[i] !== v.tr) tbody.replaceChild(v.tr, kids[i]); });
    } else {
      const frag = document.createDocumentFragment();
      for (const v of next) frag.append(v.tr);
      if (!runs.length) {
        const filtering = statusSel.value || nameIn.value.trim();
        frag.append(el('tr', {}, el('td', { colspan: columns.length + 2, class: 'muted', text: filtering ? 'No runs match.' : 'No runs yet. Start one from New run.' })));
      }
      clear(tbody).append(frag);
    }
    rows.clear();
    runs.forEach((r, i) => rows.set(r.id, next[i]));
    pageInfo.textContent = total ? `${offset + 1}–${offset + runs.length} of ${total} · page ${Math.floor(offset / PAGE) + 1}/${Math.ceil(total / PAGE)}` : '0 runs';
    newer.disabled = offset === 0;
    older.disabled = offset + runs.length >= total;
    updateButtons();
    main.dataset.renderMs = (performance.now() - t0).toFixed(1);
  }

  // follow keeps an event stream open for each running run shown, for its
  // latest progress.
  function follow() {
    const running = new Set(runs.filter((r) => r.status === 'running').map((r) => r.id));
    for (const [id, s] of streams) if (!running.has(id)) { s.es.close(); streams.delete(id); }
    for (const id of running) {
      if (streams.has(id)) continue;
      const s = { es: new EventSource(eventsURL(id)), progress: null, pending: false };
      s.es.addEventListener('progress', (ev) => {
        s.progress = JSON.parse(ev.data);
        if (s.pending) return;
        s.pending = true;
        requestAnimationFrame(() => {
          s.pending = false;
          const cell = tbody.querySelector(`tr[data-id="${id}"] .progress-cell`);
          if (cell) clear(cell).append(progressBar(s.progress));
        });
      });
      s.es.addEventListener('end', () => s.es.close());
      streams.set(id, s);
    }
  }

  async function load() {
    clearTimeout(timer);
    const seq = ++loading;
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (statusSel.value) q.set('status', statusSel.value);
    if (nameIn.value.trim()) q.set('filter', nameIn.value.trim());
    const c = sortCol && colInfo(sortCol);
    if (c) q.set('sort', c.sort);
    q.set('order', c ? sortDir : 'desc');
    if (asOf) q.set('as_of', String(asOf));
    try {
      const t0 = performance.now();
      const r = await api('GET', '/api/runs?' + q);
      if (stopped || seq !== loading) return;
      main.dataset.fetchMs = (performance.now() - t0).toFixed(1);
      runs = r.runs || [];
      total = r.total || 0;
      asOf = r.as_of || asOf;
      if (!runs.length && offset > 0 && total > 0) { offset = Math.max(0, Math.floor((total - 1) / PAGE) * PAGE); keepURL(); return load(); }
      fresh.textContent = r.newer ? `${r.newer} new run${r.newer > 1 ? 's' : ''} — show` : '';
      fresh.classList.toggle('hidden', !r.newer);
      errBox.classList.add('hidden');
      nameIn.removeAttribute('aria-invalid');
      draw();
      // The page's time from the request to the drawn rows (API, JSON and
      // DOM), as the speed measurement reads it (TestWebPageBench).
      main.dataset.pageMs = (performance.now() - t0).toFixed(1);
      follow();
    } catch (e) {
      if (stopped || seq !== loading) return;
      showErr(e);
    }
    if (!stopped && runs.some((r) => active(r.status))) timer = setTimeout(load, 2000);
    else if (!stopped) timer = setTimeout(load, 10000); // new runs elsewhere: the "new runs" button
  }
  drawHead();
  updateButtons();
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(typing);
    for (const s of streams.values()) s.es.close();
  };
}

// ---- one run ----

export function renderRun(main, id) {
  let run = null;
  let es = null;
  let stopped = false;
  const series = new Map(); // name → [[x, y], ...], as drawn
  const raw = new Map(); // name → [{step, epoch, t, value}, ...], as recorded
  const lastStep = new Map();
  // The x axis: auto (steps for the step chart, epochs for the epoch
  // chart), step (every series by the step it was recorded at), epoch
  // (step series by fractional epoch) or time (seconds since the run's
  // first point).
  let xMode = 'auto';
  let t0 = null; // the time of the run's first point (Unix ms)
  let stepsPerEpoch = null;
  let liveDraws = 0;
  let lastCount = 0;

  const head = el('div', { class: 'toolbar' });
  const prog = el('div', { class: 'run-progress' });
  const stepBox = el('div', { class: 'chart-box', id: 'chart-step' });
  const epochBox = el('div', { class: 'chart-box', id: 'chart-epoch' });
  const finalBox = el('div', { class: 'final' });
  const logBox = el('ol', { class: 'log', id: 'event-log', tabindex: '0', 'aria-label': 'events' });
  const specBox = el('pre', { class: 'spec', tabindex: '0', 'aria-label': 'spec' });
  const errBox = el('div', { class: 'errors hidden' });
  const predictSlot = el('div', { class: 'predict-slot' });
  const metaBox = el('div', { class: 'run-meta', id: 'run-meta' });
  const plotsBox = el('div', { class: 'plots hidden', id: 'plots' });
  const searchBox = el('div', { class: 'search-sweep hidden', id: 'search-sweep' });
  const childBox = el('div', { class: 'children hidden', id: 'children' });
  const missBox = el('div', { class: 'missed hidden', id: 'misclassified' });
  const samplesBox = el('div', { class: 'plots hidden', id: 'samples' });
  let plotsLoaded = false;
  const xSel = el('select', { id: 'x-axis', name: 'x-axis', onchange: () => setXMode(xSel.value) },
    [['auto', 'step / epoch'], ['step', 'step'], ['epoch', 'epoch'], ['time', 'wall time']].map(([v, t]) => el('option', { value: v, text: t })));
  const xBar = el('div', { class: 'x-bar' }, el('label', { for: 'x-axis', text: 'x axis' }), ' ', xSel);

  clear(main).append(head, errBox, prog,
    el('div', { class: 'run-grid' },
      el('div', {}, xBar, el('div', { class: 'charts' }, stepBox, epochBox)),
      el('div', { class: 'side' }, el('h3', { text: 'Final metrics' }), finalBox, metaBox)),
    predictSlot, samplesBox, missBox, childBox, searchBox, plotsBox,
    el('div', { class: 'run-grid' },
      el('div', {}, el('h3', { text: 'Events' }), logBox),
      el('div', {}, el('h3', { text: 'Spec' }), specBox)));

  const stepChart = new LineChart(stepBox, { title: 'Loss per step', xLabel: 'step', secondAxis: (k) => k !== 'loss' });
  const epochChart = new LineChart(epochBox, { title: 'Per epoch', xLabel: 'epoch', secondAxis: (k) => k === 'lr' });
  // Count the draws that showed new points while the run was running: the
  // browser test reads it.
  for (const c of [stepChart, epochChart]) {
    const draw = c.draw.bind(c);
    c.draw = () => {
      draw();
      const n = stepChart.points() + epochChart.points();
      if (run && run.status === 'running' && n > lastCount) {
        liveDraws++;
        main.dataset.liveDraws = String(liveDraws);
      }
      lastCount = n;
    };
  }

  // xOf is a point's x for the axis chosen.
  function xOf(name, p) {
    const epochKind = isEpochSeries(name);
    switch (xMode) {
      case 'step': return p.step;
      case 'time': return t0 == null || !p.t ? 0 : (p.t - t0) / 1000;
      case 'epoch': return epochKind || !stepsPerEpoch ? (p.epoch || p.step) : p.step / stepsPerEpoch;
      default: return epochKind ? (p.epoch || p.step) : p.step;
    }
  }

  function addPoint(name, step, epoch, value, t) {
    if (/^test_/.test(name) || value == null) return;
    const last = lastStep.get(name);
    if (last !== undefined && step <= last) return; // already have it
    lastStep.set(name, step);
    const p = { step, epoch, t: t || 0, value };
    if (t && (t0 == null || t < t0)) t0 = t;
    if (name === 'epoch_loss' && epoch === 1 && step > 0) stepsPerEpoch = step;
    let rs = raw.get(name);
    if (!rs) { rs = []; raw.set(name, rs); }
    rs.push(p);
    let pts = series.get(name);
    const epochKind = isEpochSeries(name);
    if (!pts) {
      pts = [];
      series.set(name, pts);
      const dm = head.querySelector('#download-metrics');
      if (dm) dm.classList.remove('hidden');
      (epochKind ? epochChart : stepChart).set(name, pts);
    }
    pts.push([xOf(name, p), value]);
    (epochKind ? epochChart : stepChart).touch();
  }

  // setXMode redraws every series against the axis chosen.
  function setXMode(mode) {
    xMode = mode;
    for (const [name, rs] of raw) {
      const pts = series.get(name);
      pts.length = 0;
      for (const p of rs) pts.push([xOf(name, p), p.value]);
      if (xMode === 'time') pts.sort((a, b) => a[0] - b[0]);
    }
    const network = run && run.class === 'Sequential';
    const label = { step: 'step', epoch: 'epoch', time: 'seconds' };
    stepChart.xLabel = label[xMode] || (network ? 'step' : 'iteration');
    epochChart.xLabel = label[xMode] || 'epoch';
    stepChart.draw();
    epochChart.draw();
    main.dataset.xMode = xMode;
  }

  // loadAll (re)reads every recorded point: the live stream sends fast
  // steps sampled, the store has them all.
  async function loadAll() {
    const m = await api('GET', `/api/runs/${id}/metrics`);
    lastStep.clear();
    raw.clear();
    for (const pts of series.values()) pts.length = 0;
    for (const [name, pts] of Object.entries(m.series || {})) for (const p of pts) addPoint(name, p.step, p.epoch, p.value, p.t);
    setXMode(xMode);
  }

  function drawHead() {
    // A refresh (the stream's end, a status change) leaves an open rename
    // form alone: rebuilding the header would close it under the typing.
    if (head.querySelector('#rename-form:not(.hidden)')) return;
    const buttons = [];
    if (active(run.status)) {
      // A first press asks, a second (within 5 s) cancels.
      let armed = null;
      const cancel = el('button', { type: 'button', id: 'cancel', text: 'Cancel', onclick: async () => {
        if (!armed) {
          cancel.textContent = 'Really cancel?';
          cancel.classList.add('danger');
          armed = setTimeout(() => { armed = null; cancel.textContent = 'Cancel'; cancel.classList.remove('danger'); }, 5000);
          return;
        }
        clearTimeout(armed);
        armed = null;
        cancel.disabled = true;
        try { await api('POST', `/api/runs/${id}/cancel`); } catch (e) { showErr(e); cancel.disabled = false; }
      } });
      buttons.push(cancel);
    }
    if (run.status === 'succeeded') buttons.push(el('a', { class: 'button', id: 'download-model', href: `/api/runs/${id}/model`, download: `${run.name}-${id}.safetensors`, title: 'the model of this run', text: 'Download model' }));
    buttons.push(
      el('button', { type: 'button', text: 'Download spec', onclick: () => download(run.name + '.json', JSON.stringify(run.spec, null, 2) + '\n') }),
      el('button', { type: 'button', id: 'download-metrics', class: series.size ? '' : 'hidden', text: 'Download metrics', onclick: () => download(run.name + '-metrics.json', JSON.stringify(Object.fromEntries(series), null, 1) + '\n') }),
      el('button', { type: 'button', id: 'run-again', text: 'Run again', onclick: () => {
        sessionStorage.setItem(LOAD_KEY, JSON.stringify(run.spec));
        location.hash = '#/new';
      } }));
    if (!active(run.status)) buttons.push(el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => {
      if (!confirm(`Delete run ${run.name} and its model?`)) return;
      try { await api('DELETE', `/api/runs/${id}`); location.hash = '#/runs'; } catch (e) { showErr(e); }
    } }));
    const nameIn = el('input', { type: 'text', id: 'run-name', name: 'name', value: run.name, size: 24, maxlength: 64, required: true });
    const renameForm = el('form', { class: 'rename hidden', id: 'rename-form', onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        await api('PATCH', `/api/runs/${id}`, { name: nameIn.value.trim() });
        renameForm.classList.add('hidden');
        await refresh();
      } catch (e) { showErr(e); }
    } }, el('label', { for: 'run-name', class: 'sr-only', text: 'run name' }), nameIn, ' ',
      el('button', { type: 'submit', class: 'primary', text: 'Save' }), ' ',
      el('button', { type: 'button', text: 'Cancel', onclick: () => { renameForm.classList.add('hidden'); title.classList.remove('hidden'); } }));
    const title = el('h1', {}, run.name, ' ', statusBadge(run.status));
    buttons.unshift(el('button', { type: 'button', id: 'rename', text: 'Rename', onclick: () => {
      title.classList.add('hidden');
      renameForm.classList.remove('hidden');
      nameIn.focus();
      nameIn.select();
    } }));
    clear(head).append(title, renameForm,
      el('span', { class: 'muted', text: `${run.class} · ${id} · started ${fmtTime(run.started_at || run.created_at)} · ${run.attempt > 1 ? 'attempt ' + run.attempt + ' · ' : ''}` }, durationEl),
      run.parent_id ? el('a', { id: 'parent-link', href: '#/runs/' + run.parent_id, text: `trial ${run.child_index + 1} of its sweep` }) : null,
      el('span', { class: 'grow' }), ...buttons);
    main.dataset.status = run.status;
    if (run.error) {
      clear(errBox).append(run.error);
      errBox.classList.remove('hidden');
    }
  }

  // The duration ticks while the run is running.
  const durationEl = el('span', { id: 'duration' });
  let loadedAt = performance.now();
  let ticks = 0;
  const tick = setInterval(() => {
    if (!run) return;
    // A running sweep's children change without events of the parent.
    if (run.children && active(run.status) && ++ticks % 2 === 0) {
      api('GET', '/api/runs/' + id).then((r) => {
        if (r.status !== run.status) return refresh();
        run.children = r.children;
        drawChildren();
      }).catch(() => {});
    }
    const extra = run.status === 'running' && run.started_at ? (performance.now() - loadedAt) / 1000 : 0;
    durationEl.textContent = fmtDuration(run.duration_s == null ? null : run.duration_s + extra);
  }, 1000);

  function showErr(e) {
    clear(errBox).append(e.message);
    errBox.classList.remove('hidden');
  }

  // drawSearch shows a search's trials (cv_results) as parallel
  // coordinates of their parameters against the mean test score, and a
  // scatter; the best trials are drawn darkest, at most 1,000 of them.
  function drawSearch() {
    const sr = run.result && run.result.search;
    const cands = (sr && sr.cv_results) || [];
    if (!cands.length || searchBox.firstChild) return;
    const shown = cands.map((c, i) => ({ c, i })).sort((a, b) => a.c.rank_test_score - b.c.rank_test_score).slice(0, 1000);
    const params = [...new Set(shown.flatMap(({ c }) => Object.keys(c.params || {})))].sort();
    const metric = 'mean test ' + (sr.scoring || 'score');
    const n = shown.length;
    const items = shown.reverse().map(({ c, i }, k) => {
      const values = { ...(c.params || {}) };
      values[metric] = c.mean_test_score;
      // From pale (worst shown) to dark blue (best).
      const f = n > 1 ? k / (n - 1) : 1;
      const color = `rgb(${Math.round(190 - 160 * f)}, ${Math.round(205 - 110 * f)}, ${Math.round(235 - 55 * f)})`;
      return { id: String(i), label: `trial ${i} (rank ${c.rank_test_score})`, color, values };
    });
    searchBox.append(el('h3', { text: `Search: ${cands.length} trials` + (cands.length > n ? ` (the best ${n} shown)` : '') }),
      sweepPanel(items, params, [metric], { prefix: 'search-sweep-charts', what: 'trials' }));
    searchBox.classList.remove('hidden');
  }

  // drawMisclassified shows the test images the classifier got wrong
  // (image folder, stored dataset and IDX runs record the first 100),
  // each with its true and predicted label.
  function drawMisclassified() {
    const m = run.result && run.result.misclassified;
    if (!m || missBox.firstChild) return;
    const items = m.items || [];
    missBox.append(el('h3', { text: m.total ? `Misclassified test images: ${m.total} of ${m.n_test}` + (m.total > items.length ? ` (the first ${items.length} shown)` : '') : `No test image misclassified (of ${m.n_test})` }),
      items.length ? el('ul', { class: 'misclassified' }, items.map((it) => {
        const { src, caption } = misclassifiedImage(run.id, m, it);
        return el('li', { dataset: { index: String(it.index), true: it.true, pred: it.pred } },
          el('img', { src, width: 96, height: 96, loading: 'lazy', alt: `${caption}: true ${it.true}, predicted ${it.pred}` }),
          el('span', { class: 'labels' }, 'true ', el('b', { text: it.true }), ' · predicted ', el('b', { class: 'error', text: it.pred })),
          el('span', { class: 'muted labels', text: caption }));
      })) : null);
    missBox.classList.remove('hidden');
  }

  function drawFinal() {
    clear(finalBox);
    const res = run.result;
    if (!res) {
      finalBox.append(el('p', { class: 'muted', text: active(run.status) ? 'when the run has finished' : 'none' }));
      return;
    }
    const m = res.metrics || {};
    const names = [...new Set([...Object.keys(m.train || {}), ...Object.keys(m.test || {})])].sort();
    finalBox.append(el('table', { class: 'metrics-table', id: 'final-metrics' },
      el('thead', {}, el('tr', {}, el('th', { text: 'metric' }), el('th', { text: 'train' }), el('th', { text: 'test' }))),
      el('tbody', {}, names.map((k) => el('tr', {}, el('td', { text: k }), el('td', { text: fmtNum((m.train || {})[k]) }), el('td', { text: fmtNum((m.test || {})[k]) }))))));
    const info = [];
    if (res.n_train) info.push(`${res.n_train} train / ${res.n_test} test rows`);
    if (res.timings) for (const [k, v] of Object.entries(res.timings)) if (typeof v === 'number') info.push(k.endsWith('_s') ? `${k.slice(0, -2)} ${fmtDuration(v)}` : `${k} ${fmtNum(v)}`);
    if (info.length) finalBox.append(el('p', { class: 'muted small', text: info.join(' · ') }));
    const cm = res.confusion_matrix;
    if (cm && cm.length) {
      const labels = res.labels || cm.map((_, i) => String(i));
      let max = 1;
      for (const r of cm) for (const v of r) max = Math.max(max, v);
      finalBox.append(el('h3', { text: 'Confusion matrix' }), el('table', { class: 'confusion', id: 'confusion' },
        el('thead', {}, el('tr', {}, el('th', { class: 'corner', text: 'true ╲ pred' }), labels.map((l) => el('th', { text: l })))),
        el('tbody', {}, cm.map((r, i) => el('tr', {}, el('th', { text: labels[i] }), r.map((v) => {
          const td = el('td', { text: String(v) });
          // At most 0.78: dark text keeps a 4.5:1 contrast on every cell.
          td.style.backgroundColor = `rgba(31, 119, 180, ${(0.78 * v / max).toFixed(3)})`;
          return td;
        }))))));
    }
  }

  // drawMeta shows the run's note and tags, editable. The note being
  // typed is left alone by a refresh.
  let noteDirty = false;
  function drawMeta() {
    // Built once: a refresh (the stream's end, a status change) updates
    // the note where nobody is editing it and redraws the tags, and never
    // rebuilds the form under a person typing in it or its 'saved' mark.
    const noteIn = metaBox.querySelector('#run-note');
    if (noteIn) {
      if (!noteDirty && document.activeElement !== noteIn) noteIn.value = run.note || '';
      drawTags();
      return;
    }
    const note = el('textarea', { id: 'run-note', name: 'note', rows: 3, maxlength: 10000, placeholder: 'what this run tried, what came of it', oninput: () => { noteDirty = true; saved.textContent = ''; } });
    note.value = run.note || '';
    const saved = el('span', { class: 'muted small', id: 'note-saved', 'aria-live': 'polite' });
    const save = el('button', { type: 'button', id: 'save-note', text: 'Save note', onclick: async () => {
      save.disabled = true;
      try {
        const r = await api('PATCH', `/api/runs/${id}`, { note: note.value });
        run.note = r.note || '';
        noteDirty = false;
        saved.textContent = 'saved';
      } catch (e) { showErr(e); }
      save.disabled = false;
    } });
    clear(metaBox).append(
      el('h3', {}, el('label', { for: 'run-note', text: 'Note' })), note, el('div', { class: 'note-bar' }, save, ' ', saved),
      el('h3', { text: 'Tags' }), el('div', { class: 'tags', id: 'run-tags' }),
      el('form', { class: 'tag-form', id: 'tag-form', onsubmit: async (ev) => {
        ev.preventDefault();
        const k = ev.target.elements.key.value.trim();
        const v = ev.target.elements.value.value;
        if (!k) return;
        try {
          const r = await api('PUT', `/api/runs/${id}/tags/${encodeURIComponent(k)}`, { value: v });
          run.tags = r.tags;
          ev.target.reset();
          drawTags();
        } catch (e) { showErr(e); }
      } },
      el('label', { for: 'tag-key', class: 'sr-only', text: 'tag key' }),
      el('input', { type: 'text', id: 'tag-key', name: 'key', placeholder: 'key', size: 10, maxlength: 64, required: true }),
      el('label', { for: 'tag-value', class: 'sr-only', text: 'tag value' }),
      el('input', { type: 'text', id: 'tag-value', name: 'value', placeholder: 'value', size: 14, maxlength: 1000 }),
      el('button', { type: 'submit', id: 'add-tag', text: 'Add tag' })));
    drawTags();
  }

  function drawTags() {
    const box = metaBox.querySelector('#run-tags');
    if (!box) return;
    const tags = Object.entries(run.tags || {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    clear(box).append(...(tags.length ? tags.map(([k, v]) => el('span', { class: 'chip', dataset: { key: k } }, `${k}: ${v}`,
      el('button', { type: 'button', class: 'icon', 'aria-label': `remove tag ${k}`, title: 'remove', text: '✕', onclick: async () => {
        try {
          await api('DELETE', `/api/runs/${id}/tags/${encodeURIComponent(k)}`);
          delete run.tags[k];
          drawTags();
        } catch (e) { showErr(e); }
      } }))) : [el('span', { class: 'muted small', text: 'none' })]));
  }

  // The run's plots (GET /api/runs/{id}/plots) as images, but the loss,
  // which the charts above draw live; the confusion matrix is shown
  // normalised over the true labels, beside the counts of the table.
  const plotTitles = { curve: 'Learning / validation curve', search: 'Search', confusion: 'Confusion matrix (normalised over true labels)',
    roc: 'ROC curves', pr: 'Precision-recall curves', importances: 'Feature importances',
    embedding: 'Embedding', dendrogram: 'Dendrogram', boundary: 'Decision boundary' };
  plotTitles.parallel = 'Search trials (parallel coordinates)';
  plotTitles.permutation = 'Permutation importances';
  // A GAN's sample grids (GET /api/runs/{id}/samples), one per epoch: the
  // latest, or the one the slider picks.
  // It is called on every epoch event (the stream replays them for a
  // finished run) and on every refresh: the grid is built once and only
  // grows, and a slider the person moved stays where they put it.
  let samplesView = null;
  async function drawSamples() {
    const { samples } = await api('GET', `/api/runs/${id}/samples`);
    if (!samples.length) return;
    if (samplesView && samples.length <= samplesView.samples.length) return;
    if (!samplesView) {
      const img = el('img', { id: 'sample-grid', alt: '', width: 242, height: 242 });
      const label = el('span', { class: 'muted small' });
      const slider = el('input', { type: 'range', id: 'sample-epoch', min: 0, value: 0, 'aria-label': 'epoch of the samples' });
      samplesView = { img, label, slider, samples, moved: false };
      const show = (i) => {
        const all = samplesView.samples, s = all[i];
        img.src = s.url;
        img.alt = `generated samples after epoch ${s.epoch}`;
        label.textContent = `epoch ${s.epoch} of ${all.length}`;
      };
      samplesView.show = show;
      slider.oninput = () => { samplesView.moved = true; show(Number(slider.value)); };
      clear(samplesBox).append(el('h3', { text: 'Generated samples' }), el('div', {}, img), el('div', {}, slider, ' ', label));
      samplesBox.classList.remove('hidden');
    }
    const v = samplesView;
    v.samples = samples;
    v.slider.max = samples.length - 1;
    if (!v.moved) v.slider.value = samples.length - 1;
    v.show(Number(v.slider.value));
  }

  async function drawPlots() {
    const { kinds } = await api('GET', `/api/runs/${id}/plots`);
    const shown = (kinds || []).filter((k) => k !== 'loss');
    if (!shown.length) return;
    clear(plotsBox).append(el('h3', { text: 'Plots' }), el('div', { class: 'plot-grid' }, shown.map((k) => {
      const src = `/api/runs/${id}/plots/${k}?width=560&height=420` + (k === 'confusion' ? '&normalize=true' : '');
      return el('figure', { class: 'plot', dataset: { kind: k } },
        el('a', { href: src, target: '_blank', rel: 'noopener' },
          el('img', { src, alt: `${plotTitles[k] || k} of run ${run.name}`, width: 560, height: 420 })),
        el('figcaption', { text: plotTitles[k] || k }));
    })));
    plotsBox.classList.remove('hidden');
  }

  function logLine(type, data, seq) {
    let text;
    if (type === 'status') text = `status ${data.status}${data.message ? ': ' + data.message : ''}`;
    else if (type === 'log') text = data.message;
    else if (type === 'progress') text = `epoch ${data.epoch}/${data.epochs}` + (data.loss != null ? ` loss ${fmtNum(data.loss)}` : '') + Object.entries(data.metrics || {}).map(([k, v]) => ` ${k} ${fmtNum(v)}`).join('');
    else return;
    logBox.append(el('li', { class: 'ev-' + type }, el('span', { class: 'seq', text: String(seq) }), text));
    while (logBox.childNodes.length > 1000) logBox.firstChild.remove();
    if (logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 40) logBox.scrollTop = logBox.scrollHeight;
  }

  // drawChildren lists a sweep's child runs (its candidates or folds).
  function drawChildren() {
    const kids = run.children || [];
    childBox.classList.toggle('hidden', !kids.length);
    if (!kids.length) return;
    const keys = [...new Set(kids.flatMap((k) => Object.keys(k.metrics || {})))].sort();
    const head = el('tr', {}, ...['trial', 'params', ...keys, 'status', 'error'].map((h) => el('th', { text: h })));
    const rows = kids.map((k) => el('tr', {},
      el('td', {}, el('a', { href: '#/runs/' + k.id, text: k.name })),
      el('td', { text: k.params ? JSON.stringify(k.params) : '' }),
      ...keys.map((m) => el('td', { text: k.metrics && k.metrics[m] != null ? fmtNum(k.metrics[m]) : '' })),
      el('td', {}, statusBadge(k.status)), el('td', { text: k.error || '' })));
    const done = kids.filter((k) => k.status === 'succeeded' || k.status === 'failed' || k.status === 'cancelled').length;
    clear(childBox).append(el('h3', { text: `Child runs (${done} of ${kids.length} done)` }),
      el('a', { id: 'compare-children', href: '#/compare?ids=' + kids.slice(0, 12).map((k) => k.id).join(','), text: kids.length > 12 ? 'Compare children (the first 12)' : 'Compare children' }),
      el('table', { class: 'compare', id: 'children-table' }, el('thead', {}, head), el('tbody', {}, rows)));
  }

  async function refresh() {
    run = await api('GET', '/api/runs/' + id);
    drawChildren();
    loadedAt = performance.now();
    durationEl.textContent = fmtDuration(run.duration_s);
    const network = ['Sequential', 'Autoencoder', 'GAN'].includes(run.class);
    epochBox.classList.toggle('hidden', !network);
    stepBox.parentElement.classList.toggle('single', !network);
    xSel.querySelector('option[value=epoch]').disabled = !network;
    stepChart.title = network ? 'Loss per step' : 'Loss per iteration';
    if (xMode === 'auto') stepChart.xLabel = network ? 'step' : 'iteration';
    drawHead();
    drawFinal();
    drawSearch();
    drawMisclassified();
    drawMeta();
    if (run.class === 'GAN') drawSamples().catch(showErr);
    else if (run.status === 'succeeded' && !predictSlot.firstChild && run.class !== 'Autoencoder') predictSlot.append(predictPanel(run), evaluatePanel(run));
    if (run.status === 'succeeded' && !plotsLoaded) {
      plotsLoaded = true;
      drawPlots().catch(showErr);
    }
    specBox.textContent = JSON.stringify(run.spec, null, 2);
  }

  function stream() {
    es = new EventSource(eventsURL(id));
    es.addEventListener('metric', (ev) => {
      const p = JSON.parse(ev.data);
      addPoint(p.series, p.step, p.epoch, p.value, p.time ? Date.parse(p.time) : 0);
    });
    es.addEventListener('progress', (ev) => {
      const p = JSON.parse(ev.data);
      const pr = progressOf(p);
      if (pr) clear(prog).append(progressBar(p));
      if (p.kind === 'epoch') logLine('progress', p, ev.lastEventId);
      if (p.kind === 'epoch' && run && run.class === 'GAN') drawSamples().catch(showErr);
    });
    es.addEventListener('status', (ev) => {
      const d = JSON.parse(ev.data);
      logLine('status', d, ev.lastEventId);
      if (run && run.status !== d.status) {
        run.status = d.status;
        drawHead();
        if (!stopped && !['succeeded', 'failed', 'cancelled'].includes(d.status)) refresh().catch(showErr);
      }
    });
    es.addEventListener('log', (ev) => logLine('log', JSON.parse(ev.data), ev.lastEventId));
    es.addEventListener('end', async () => {
      es.close();
      clear(prog);
      if (!stopped) await refresh().catch(showErr);
      if (!stopped) await loadAll().catch(showErr);
    });
  }

  (async () => {
    try {
      await refresh();
      await loadAll();
      if (!stopped) stream();
    } catch (e) {
      showErr(e);
    }
  })();
  return () => {
    stopped = true;
    clearInterval(tick);
    if (es) es.close();
    stepChart.destroy();
    epochChart.destroy();
  };
}

// ---- compare ----

// flatten lists a spec's leaves as path → JSON text.
function flatten(v, path, out) {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, path ? path + '.' + k : k, out);
  } else if (Array.isArray(v) && v.some((x) => x && typeof x === 'object')) {
    v.forEach((x, i) => flatten(x, `${path}[${i}]`, out));
  } else {
    out.set(path, JSON.stringify(v));
  }
  return out;
}

export function renderCompare(main, query) {
  const ids = (query.get('ids') || '').split(',').filter((x) => /^[0-9a-f]{21}$/.test(x)).slice(0, 12);
  const chartBox = el('div', { class: 'chart-box', id: 'chart-compare' });
  const seriesSel = el('select', { name: 'series', id: 'compare-series' });
  const xSel = el('select', { name: 'x-axis', id: 'compare-x' },
    [['auto', 'step / epoch'], ['step', 'step'], ['epoch', 'epoch'], ['time', 'wall time']].map(([v, t]) => el('option', { value: v, text: t })));
  const tables = el('div', { class: 'compare-tables' });
  const sweepBox = el('div', { class: 'sweep-slot' });
  const errBox = el('div', { class: 'errors hidden' });
  clear(main).append(
    el('div', { class: 'toolbar' }, el('h1', { text: `Compare ${ids.length} runs` }),
      el('label', { for: 'compare-series', text: 'series' }), seriesSel,
      el('label', { for: 'compare-x', text: 'x axis' }), xSel, el('span', { class: 'grow' }),
      el('a', { class: 'button', href: '#/runs', text: 'Back to runs' })),
    errBox, chartBox, sweepBox, tables);
  if (ids.length < 2) {
    clear(errBox).append('Pick at least two runs on the Runs page.');
    errBox.classList.remove('hidden');
    return () => {};
  }
  let chart = null;
  (async () => {
    try {
      const [cat, runs, metrics] = await Promise.all([
        classes(),
        Promise.all(ids.map((id) => api('GET', '/api/runs/' + id))),
        Promise.all(ids.map((id) => api('GET', `/api/runs/${id}/metrics`))),
      ]);
      const names = [...new Set(metrics.flatMap((m) => Object.keys(m.series || {})))].filter((n) => !/^test_/.test(n)).sort();
      for (const n of names) seriesSel.append(el('option', { value: n, text: n }));
      seriesSel.value = ['epoch_loss', 'loss', 'val_accuracy'].find((n) => names.includes(n)) || names[0] || '';
      const label = (r) => `${r.name} (${r.id.slice(-6)})`;
      // A run's colour follows from its id (runColors): the same on
      // reload and in any order of the address, in the chart, the sweep
      // charts and the tables' headers.
      const colorOf = runColors(runs.map((r) => r.id));
      const runColor = new Map(runs.map((r) => [label(r), colorOf.get(r.id)]));
      const drawChart = () => {
        if (chart) chart.destroy();
        clear(chartBox);
        const name = seriesSel.value;
        const ep = isEpochSeries(name);
        const mode = xSel.value;
        const xLabel = mode === 'time' ? 'seconds' : mode === 'auto' ? (ep ? 'epoch' : 'step') : mode;
        chart = new LineChart(chartBox, { title: name, xLabel, height: 300, color: (k) => runColor.get(k), fill: true });
        runs.forEach((r, i) => {
          const all = metrics[i].series || {};
          const src = all[name] || [];
          let t0 = Infinity;
          for (const s of Object.values(all)) for (const p of s) if (p.t && p.t < t0) t0 = p.t;
          const el1 = (all.epoch_loss || []).find((p) => p.epoch === 1);
          const spe = el1 && el1.step > 0 ? el1.step : null;
          const xOf = (p) => {
            if (mode === 'step') return p.step;
            if (mode === 'time') return Number.isFinite(t0) && p.t ? (p.t - t0) / 1000 : 0;
            if (mode === 'epoch') return ep || !spe ? (p.epoch || p.step) : p.step / spe;
            return ep ? (p.epoch || p.step) : p.step;
          };
          const pts = src.map((p) => [xOf(p), p.value]).sort((a, b) => a[0] - b[0]);
          if (pts.length) chart.set(label(r), pts);
        });
        chart.draw();
        chartBox.dataset.xMode = mode;
      };
      seriesSel.onchange = drawChart;
      xSel.onchange = drawChart;
      drawChart();

      // Parameters that differ.
      const flats = runs.map((r) => flatten(r.spec || {}, '', new Map()));
      const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].filter((k) => k !== 'output').sort();
      const differ = keys.filter((k) => new Set(flats.map((f) => f.get(k))).size > 1);
      const head = el('tr', {}, el('th', { text: '' }), runs.map((r) => {
        const th = el('th', {}, el('a', { href: '#/runs/' + r.id, text: r.name }), el('br'), el('small', { class: 'muted', text: r.id.slice(-6) }));
        th.style.borderTop = `3px solid ${colorOf.get(r.id)}`;
        th.dataset.id = r.id;
        return th;
      }));
      const show = (v) => (v === undefined ? '–' : v.replace(/^"(.*)"$/, '$1'));
      tables.append(el('h3', { text: differ.length ? 'Parameters that differ' : 'The specs are the same' }),
        el('table', { class: 'compare', id: 'compare-params' }, el('thead', {}, head.cloneNode(true)),
          el('tbody', {}, differ.map((k) => el('tr', {}, el('th', { text: k }), flats.map((f) => el('td', { text: show(f.get(k)) })))))));

      // Final metrics side by side, the best of each row marked.
      const info = new Map((cat.metrics || []).map((m) => [m.name, m]));
      const mnames = [...new Set(runs.flatMap((r) => Object.keys((r.result && r.result.metrics && r.result.metrics.test) || {})))].sort();

      // The parameters that differ against a final test metric.
      const parse = (v) => { if (v === undefined) return undefined; try { return JSON.parse(v); } catch { return v; } };
      const sweepParams = differ.filter((k) => k !== 'name' && !/^output/.test(k)).slice(0, 12);
      const items = runs.map((r, i) => {
        const values = {};
        for (const k of sweepParams) values[k] = parse(flats[i].get(k));
        for (const k of mnames) values[k] = ((r.result && r.result.metrics && r.result.metrics.test) || {})[k];
        return { id: r.id, label: label(r), color: colorOf.get(r.id), values };
      });
      const firstMetric = ['accuracy', 'r2', 'f1_macro'].find((m) => mnames.includes(m));
      const order = firstMetric ? [firstMetric, ...mnames.filter((m) => m !== firstMetric)] : mnames;
      sweepBox.append(el('h3', { text: 'Parameters against a metric' }), sweepPanel(items, sweepParams, order, { prefix: 'compare-sweep', what: 'runs' }));
      const rows = mnames.map((k) => {
        const vals = runs.map((r) => ((r.result && r.result.metrics && r.result.metrics.test) || {})[k]);
        const ok = vals.filter((v) => typeof v === 'number');
        const better = info.has(k) ? info.get(k).greater_is_better : true;
        const best = ok.length ? (better ? Math.max(...ok) : Math.min(...ok)) : null;
        return el('tr', {}, el('th', { text: k }), vals.map((v) => el('td', { class: v === best && ok.length > 1 ? 'best' : '', text: fmtNum(v) })));
      });
      rows.push(el('tr', {}, el('th', { text: 'status' }), runs.map((r) => el('td', {}, statusBadge(r.status)))));
      rows.push(el('tr', {}, el('th', { text: 'duration' }), runs.map((r) => el('td', { text: fmtDuration(r.duration_s) }))));
      tables.append(el('h3', { text: 'Final test metrics' }),
        el('table', { class: 'compare', id: 'compare-metrics' }, el('thead', {}, head), el('tbody', {}, rows)));
    } catch (e) {
      clear(errBox).append(e.message);
      errBox.classList.remove('hidden');
    }
  })();
  return () => { if (chart) chart.destroy(); };
}

// misclassifiedImage is where the gallery takes a misclassified test
// image from, and its caption: a file of the files folder, an item of a
// stored dataset (by its id), or an IDX row drawn as PNG by the run.
function misclassifiedImage(runID, m, it) {
  if (it.image) return { src: `/api/runs/${encodeURIComponent(runID)}/misclassified/${encodeURIComponent(it.image)}`, caption: `row ${it.row}` };
  if (m.dataset && it.item) return { src: `/api/datasets/${encodeURIComponent(m.dataset)}/items/${encodeURIComponent(it.item)}/thumbnail?size=96`, caption: it.item };
  const file = it.file || '';
  return { src: '/api/files/thumbnail?size=96&path=' + encodeURIComponent(file), caption: file.split('/').pop() };
}
