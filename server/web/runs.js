// runs.js: the runs list, a run's page (live charts from the SSE stream)
// and the comparison of several runs.

import { predictPanel } from './predict.js';
import { evaluatePanel } from './evaluate.js';
import { el, clear, api, classes, fmtNum, fmtDuration, fmtTime, mainMetric, statusBadge, download, eventsURL } from './util.js';
import { LineChart, COLORS } from './chart.js';
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

// ---- list ----

// COLUMNS are the sortable columns of the runs table: the key a run is
// sorted by (missing values last, whatever the direction).
const COLUMNS = [
  { id: 'status', label: 'Status', key: (r) => r.status },
  { id: 'name', label: 'Name', key: (r) => r.name.toLowerCase() },
  { id: 'model', label: 'Model', key: (r) => r.class },
  { id: 'metric', label: 'Main metric', key: (r) => { const m = mainMetric(r.metrics); return m ? m[1] : null; } },
  { id: 'duration', label: 'Duration', key: (r) => r.duration_s },
  { id: 'started', label: 'Started', key: (r) => r.started_at || r.created_at },
];

// SCAN is how many of the newest runs a sort or a name filter looks at
// (the API pages by creation time; the table sorts and filters them here).
const SCAN = 500;

export function sortRuns(list, col, dir) {
  const c = COLUMNS.find((x) => x.id === col);
  if (!c) return list;
  const sign = dir === 'asc' ? 1 : -1;
  return list.map((r, i) => [c.key(r), i, r]).sort((a, b) => {
    const [x, y] = [a[0], b[0]];
    if (x == null || y == null) return x == null && y == null ? a[1] - b[1] : x == null ? 1 : -1;
    return (x < y ? -1 : x > y ? 1 : a[1] - b[1]) * sign;
  }).map((t) => t[2]);
}

export function renderRuns(main, query) {
  let cursors = [''];
  let page = 0;
  let runs = [];
  let scanned = false; // runs came from the SCAN newest, sorted or filtered here
  let timer = null;
  let stopped = false;
  let sortCol = COLUMNS.some((c) => c.id === query.get('sort')) ? query.get('sort') : '';
  let sortDir = query.get('dir') === 'asc' ? 'asc' : 'desc';
  const streams = new Map(); // run id → {es, progress}
  const reset = () => { cursors = ['']; page = 0; keepURL(); load(); };
  const statusSel = el('select', { name: 'status', id: 'runs-status', onchange: reset },
    ['', 'queued', 'running', 'succeeded', 'failed', 'cancelled'].map((s) => el('option', { value: s, text: s || 'any status' })));
  statusSel.value = query.get('status') || '';
  const nameIn = el('input', { type: 'search', name: 'q', id: 'runs-filter', placeholder: 'name contains…', value: query.get('q') || '', oninput: () => { clearTimeout(typing); typing = setTimeout(reset, 250); } });
  let typing = null;
  const cmpBtn = el('button', { type: 'button', id: 'compare-selected', class: 'primary', onclick: () => {
    if (selected.size >= 2) location.hash = '#/compare?ids=' + [...selected].join(',');
  } });
  const newer = el('button', { type: 'button', text: '← Newer', onclick: () => { if (page > 0) { page--; load(); } } });
  const older = el('button', { type: 'button', id: 'older', text: 'Older →', onclick: () => { if (cursors[page + 1]) { page++; load(); } } });
  const pageInfo = el('span', { class: 'muted pager' });
  const tbody = el('tbody');
  const errBox = el('div', { class: 'errors hidden' });
  const headers = COLUMNS.map((c) => {
    const btn = el('button', { type: 'button', class: 'sort', dataset: { sort: c.id }, text: c.label, onclick: () => {
      if (sortCol === c.id) sortDir = sortDir === 'asc' ? 'desc' : 'asc';
      else { sortCol = c.id; sortDir = c.id === 'name' || c.id === 'model' || c.id === 'status' ? 'asc' : 'desc'; }
      reset();
    } });
    return el('th', { dataset: { col: c.id } }, btn);
  });
  const selectAll = el('input', { type: 'checkbox', id: 'pick-all', 'aria-label': 'select every run shown', onchange: () => {
    for (const r of runs) if (selectAll.checked) selected.add(r.id); else selected.delete(r.id);
    draw();
  } });
  clear(main).append(
    el('div', { class: 'toolbar' }, el('h1', { text: 'Runs' }),
      el('label', { for: 'runs-status', class: 'sr-only', text: 'status' }), statusSel,
      el('label', { for: 'runs-filter', class: 'sr-only', text: 'filter by name' }), nameIn,
      el('span', { class: 'grow' }), newer, pageInfo, older, cmpBtn),
    errBox,
    el('div', { class: 'table-scroll' }, el('table', { class: 'runs', id: 'runs-table' },
      el('thead', {}, el('tr', {}, el('th', {}, selectAll), headers, el('th', { text: 'Progress' }))),
      tbody)));

  // keepURL writes the filters and the sort into the address (without a
  // new history entry or a re-render), so that a reload keeps them.
  function keepURL() {
    const q = new URLSearchParams();
    if (statusSel.value) q.set('status', statusSel.value);
    if (nameIn.value.trim()) q.set('q', nameIn.value.trim());
    if (sortCol) { q.set('sort', sortCol); q.set('dir', sortDir); }
    const h = '#/runs' + (q.toString() ? '?' + q : '');
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  const updateCmp = () => {
    cmpBtn.textContent = `Compare selected (${selected.size})`;
    cmpBtn.disabled = selected.size < 2;
  };
  updateCmp();

  function row(r) {
    const cb = el('input', { type: 'checkbox', class: 'pick', value: r.id, checked: selected.has(r.id), 'aria-label': 'select ' + r.name, onchange: () => {
      if (cb.checked) selected.add(r.id); else selected.delete(r.id);
      updateCmp();
    } });
    const mm = mainMetric(r.metrics);
    const st = streams.get(r.id);
    return el('tr', { dataset: { id: r.id, status: r.status } },
      el('td', {}, cb),
      el('td', {}, statusBadge(r.status)),
      el('td', {}, el('a', { href: '#/runs/' + r.id, text: r.name })),
      el('td', { text: r.class }),
      el('td', { title: mm ? mm[0] : '' }, mm ? `${mm[0]} ${fmtNum(mm[1])}` : '–'),
      el('td', { text: fmtDuration(r.duration_s) }),
      el('td', { text: fmtTime(r.started_at || r.created_at) }),
      el('td', { class: 'progress-cell' }, r.status === 'running' ? progressBar(st && st.progress) : r.status === 'queued' ? el('span', { class: 'muted', text: 'waiting' }) : r.error ? el('span', { class: 'error small', title: r.error, text: r.error.slice(0, 60) }) : ''));
  }

  function draw() {
    const t0 = performance.now();
    clear(tbody);
    const frag = document.createDocumentFragment();
    for (const r of runs) frag.append(row(r));
    const filtering = statusSel.value || nameIn.value.trim();
    if (!runs.length) frag.append(el('tr', {}, el('td', { colspan: 8, class: 'muted', text: filtering ? 'No runs match.' : 'No runs yet. Start one from New run.' })));
    tbody.append(frag);
    for (const th of headers) {
      const on = th.dataset.col === sortCol;
      th.setAttribute('aria-sort', on ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none');
      th.firstChild.dataset.dir = on ? sortDir : '';
    }
    selectAll.checked = runs.length > 0 && runs.every((r) => selected.has(r.id));
    pageInfo.textContent = scanned ? `${runs.length} of the newest ${SCAN} runs` : `page ${page + 1}`;
    newer.disabled = page === 0 || scanned;
    older.disabled = !cursors[page + 1] || scanned;
    updateCmp();
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
    const needle = nameIn.value.trim().toLowerCase();
    scanned = !!(sortCol || needle);
    const q = new URLSearchParams({ limit: String(scanned ? SCAN : PAGE) });
    if (statusSel.value) q.set('status', statusSel.value);
    if (cursors[page] && !scanned) q.set('before', cursors[page]);
    try {
      const r = await api('GET', '/api/runs?' + q);
      if (stopped) return;
      runs = r.runs || [];
      if (needle) runs = runs.filter((x) => x.name.toLowerCase().includes(needle));
      if (sortCol) runs = sortRuns(runs, sortCol, sortDir);
      cursors[page + 1] = scanned ? '' : r.next || '';
      errBox.classList.add('hidden');
      draw();
      follow();
    } catch (e) {
      clear(errBox).append(e.message);
      errBox.classList.remove('hidden');
    }
    if (!stopped && runs.some((r) => active(r.status))) timer = setTimeout(load, 2000);
  }
  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const s of streams.values()) s.es.close();
  };
}

// ---- one run ----

export function renderRun(main, id) {
  let run = null;
  let es = null;
  let stopped = false;
  const series = new Map(); // name → [[x, y], ...]
  const lastStep = new Map();
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
  const plotsBox = el('div', { class: 'plots hidden', id: 'plots' });
  let plotsLoaded = false;
  clear(main).append(head, errBox, prog,
    el('div', { class: 'run-grid' },
      el('div', { class: 'charts' }, stepBox, epochBox),
      el('div', { class: 'side' }, el('h3', { text: 'Final metrics' }), finalBox)),
    predictSlot, plotsBox,
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

  function addPoint(name, step, epoch, value) {
    if (/^test_/.test(name) || value == null) return;
    const last = lastStep.get(name);
    if (last !== undefined && step <= last) return; // already have it
    lastStep.set(name, step);
    let pts = series.get(name);
    const epochKind = isEpochSeries(name);
    if (!pts) {
      pts = [];
      series.set(name, pts);
      const dm = head.querySelector('#download-metrics');
      if (dm) dm.classList.remove('hidden');
      (epochKind ? epochChart : stepChart).set(name, pts);
    }
    pts.push([epochKind ? (epoch || step) : step, value]);
    (epochKind ? epochChart : stepChart).touch();
  }

  function drawHead() {
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
    clear(head).append(
      el('h1', {}, run.name, ' ', statusBadge(run.status)),
      el('span', { class: 'muted', text: `${run.class} · ${id} · started ${fmtTime(run.started_at || run.created_at)} · ${run.attempt > 1 ? 'attempt ' + run.attempt + ' · ' : ''}` }, durationEl),
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
  const tick = setInterval(() => {
    if (!run) return;
    const extra = run.status === 'running' && run.started_at ? (performance.now() - loadedAt) / 1000 : 0;
    durationEl.textContent = fmtDuration(run.duration_s == null ? null : run.duration_s + extra);
  }, 1000);

  function showErr(e) {
    clear(errBox).append(e.message);
    errBox.classList.remove('hidden');
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

  // The run's plots (GET /api/runs/{id}/plots) as images, but the loss,
  // which the charts above draw live; the confusion matrix is shown
  // normalised over the true labels, beside the counts of the table.
  const plotTitles = { curve: 'Learning / validation curve', search: 'Search', confusion: 'Confusion matrix (normalised over true labels)',
    roc: 'ROC curves', pr: 'Precision-recall curves', importances: 'Feature importances' };
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

  async function refresh() {
    run = await api('GET', '/api/runs/' + id);
    loadedAt = performance.now();
    durationEl.textContent = fmtDuration(run.duration_s);
    const network = run.class === 'Sequential';
    epochBox.classList.toggle('hidden', !network);
    stepBox.parentElement.classList.toggle('single', !network);
    stepChart.title = network ? 'Loss per step' : 'Loss per iteration';
    stepChart.xLabel = network ? 'step' : 'iteration';
    drawHead();
    drawFinal();
    if (run.status === 'succeeded' && !predictSlot.firstChild) predictSlot.append(predictPanel(run), evaluatePanel(run));
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
      addPoint(p.series, p.step, p.epoch, p.value);
    });
    es.addEventListener('progress', (ev) => {
      const p = JSON.parse(ev.data);
      const pr = progressOf(p);
      if (pr) clear(prog).append(progressBar(p));
      if (p.kind === 'epoch') logLine('progress', p, ev.lastEventId);
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
    });
  }

  (async () => {
    try {
      await refresh();
      const m = await api('GET', `/api/runs/${id}/metrics`);
      for (const [name, pts] of Object.entries(m.series || {})) for (const p of pts) addPoint(name, p.step, p.epoch, p.value);
      stepChart.draw();
      epochChart.draw();
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
  const seriesSel = el('select', { name: 'series' });
  const tables = el('div', { class: 'compare-tables' });
  const errBox = el('div', { class: 'errors hidden' });
  clear(main).append(
    el('div', { class: 'toolbar' }, el('h1', { text: `Compare ${ids.length} runs` }), el('label', {}, 'series ', seriesSel), el('span', { class: 'grow' }),
      el('a', { class: 'button', href: '#/runs', text: 'Back to runs' })),
    errBox, chartBox, tables);
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
      const drawChart = () => {
        if (chart) chart.destroy();
        clear(chartBox);
        const name = seriesSel.value;
        const ep = isEpochSeries(name);
        chart = new LineChart(chartBox, { title: name, xLabel: ep ? 'epoch' : 'step', height: 300 });
        runs.forEach((r, i) => {
          const pts = ((metrics[i].series || {})[name] || []).map((p) => [ep ? (p.epoch || p.step) : p.step, p.value]);
          if (pts.length) chart.set(label(r), pts);
        });
        chart.draw();
      };
      seriesSel.onchange = drawChart;
      drawChart();

      // Parameters that differ.
      const flats = runs.map((r) => flatten(r.spec || {}, '', new Map()));
      const keys = [...new Set(flats.flatMap((f) => [...f.keys()]))].filter((k) => k !== 'output').sort();
      const differ = keys.filter((k) => new Set(flats.map((f) => f.get(k))).size > 1);
      const head = el('tr', {}, el('th', { text: '' }), runs.map((r, i) => {
        const th = el('th', {}, el('a', { href: '#/runs/' + r.id, text: r.name }), el('br'), el('small', { class: 'muted', text: r.id.slice(-6) }));
        th.style.borderTop = `3px solid ${COLORS[i % COLORS.length]}`;
        return th;
      }));
      const show = (v) => (v === undefined ? '–' : v.replace(/^"(.*)"$/, '$1'));
      tables.append(el('h3', { text: differ.length ? 'Parameters that differ' : 'The specs are the same' }),
        el('table', { class: 'compare', id: 'compare-params' }, el('thead', {}, head.cloneNode(true)),
          el('tbody', {}, differ.map((k) => el('tr', {}, el('th', { text: k }), flats.map((f) => el('td', { text: show(f.get(k)) })))))));

      // Final metrics side by side, the best of each row marked.
      const info = new Map((cat.metrics || []).map((m) => [m.name, m]));
      const mnames = [...new Set(runs.flatMap((r) => Object.keys((r.result && r.result.metrics && r.result.metrics.test) || {})))].sort();
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
