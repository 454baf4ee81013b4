// datasets.js: the Datasets page. #/datasets lists the stored image
// datasets with their per-label counts and creates one; #/datasets/NAME
// imports an archive into it (showing the import's report) and shows its
// images, one label at a time, as a paged grid of lazily loaded thumbnails
// where a person deletes or relabels an image. Its Collect panel queues a
// collection by label (POST /api/datasets/NAME/collect) and follows the
// collection run's events, label by label, until it ends.

import { el, clear, api, fmtTime, eventsURL } from './util.js';

const PAGE = 48; // thumbnails per page
const THUMB = 128; // their size, in pixels
const SHOW_LABELS = 12; // label chips shown per dataset in the list

const enc = encodeURIComponent;

// errorBox is an alert region whose text is an error's message.
function errorBox(id) {
  const box = el('div', { id, class: 'errors hidden', role: 'alert' });
  box.show = (msg) => { box.textContent = msg; box.classList.toggle('hidden', !msg); };
  return box;
}

export function renderDatasets(main) {
  let stopped = false;
  const errors = errorBox('datasets-error');
  const list = el('div', { id: 'datasets-list' }, el('p', { class: 'muted', text: 'Loading…' }));
  const name = el('input', { type: 'text', id: 'dataset-name', name: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,63}', maxlength: 64,
    title: '1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit', autocomplete: 'off' });
  const desc = el('input', { type: 'text', id: 'dataset-description', name: 'description', maxlength: 4096, autocomplete: 'off' });
  const form = el('form', { id: 'dataset-create', class: 'ds-create', 'aria-labelledby': 'dataset-create-title', onsubmit: async (ev) => {
    ev.preventDefault();
    errors.show('');
    try {
      const d = await api('POST', '/api/datasets', { name: name.value.trim(), description: desc.value.trim() });
      location.hash = '#/datasets/' + enc(d.name);
    } catch (e) { errors.show(e.message); }
  } },
  el('h2', { id: 'dataset-create-title', text: 'New dataset' }),
  el('div', { class: 'ds-create-row' },
    el('label', { class: 'field', for: 'dataset-name' }, el('span', { class: 'label', text: 'Name' }), name),
    el('label', { class: 'field grow', for: 'dataset-description' }, el('span', { class: 'label', text: 'Description (optional)' }), desc),
    el('button', { type: 'submit', class: 'primary', text: 'Create' })));
  clear(main).append(el('div', { class: 'toolbar' }, el('h1', { text: 'Datasets' })), errors, form, list);

  (async () => {
    const r = await api('GET', '/api/datasets');
    const sets = r.datasets || [];
    // Per-label counts: one request per dataset (the first 100).
    const details = await Promise.all(sets.slice(0, 100).map((d) => api('GET', '/api/datasets/' + enc(d.name)).catch(() => null)));
    if (stopped) return;
    clear(list);
    if (!sets.length) {
      list.append(el('p', { class: 'muted', text: 'No datasets yet: create one, then import an archive of class folders into it.' }));
      return;
    }
    list.append(el('div', { class: 'table-scroll' }, el('table', { class: 'datasets' },
      el('caption', { class: 'sr-only', text: 'Stored datasets' }),
      el('thead', {}, el('tr', {}, ['name', 'images', 'labels', 'created'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, sets.map((d, i) => {
        const labels = (details[i] && details[i].labels) || [];
        return el('tr', { dataset: { name: d.name } },
          el('td', {}, el('a', { href: '#/datasets/' + enc(d.name), text: d.name }), d.description ? el('div', { class: 'muted small', text: d.description }) : null),
          el('td', { class: 'num', text: String(d.items) }),
          el('td', { class: 'label-chips' }, labels.length ? labels.slice(0, SHOW_LABELS).map((l) => el('span', { class: 'chip', dataset: { label: l.label } }, `${l.label} `, el('b', { text: String(l.items) })))
            : el('span', { class: 'muted', text: 'no images yet' }),
          labels.length > SHOW_LABELS ? el('span', { class: 'muted small', text: ` and ${labels.length - SHOW_LABELS} more` }) : null),
          el('td', { text: fmtTime(d.created_at) }));
      })))));
  })().catch((e) => { if (!stopped) clear(list).append(el('div', { class: 'errors', role: 'alert', text: e.message })); });
  return () => { stopped = true; };
}

// renderDataset is the page of one dataset; query's label picks the label
// shown.
export function renderDataset(main, name, query) {
  let stopped = false;
  let detail = null;
  let label = query.get('label') || '';
  let cursors = ['']; // the ?after= of the pages shown up to this one, for Previous
  let nextCursor = ''; // the ?after= of the next page, '' at the end
  const errors = errorBox('dataset-error');
  const head = el('div', { class: 'toolbar' }, el('h1', {}, el('a', { href: '#/datasets', text: 'Datasets' }), ' / ', el('span', { id: 'dataset-title', text: name })));
  const summary = el('p', { id: 'dataset-summary', class: 'muted' });
  const labelBar = el('div', { id: 'labels', class: 'label-bar', role: 'group', 'aria-label': 'labels' });
  const grid = el('ul', { id: 'grid', class: 'thumbs', 'aria-label': 'images' });
  const pageInfo = el('span', { id: 'page-info', class: 'muted', 'aria-live': 'polite' });
  const prev = el('button', { type: 'button', id: 'page-prev', text: '‹ Previous page', disabled: true, onclick: () => { if (cursors.length > 1) cursors.pop(); loadPage(); } });
  const next = el('button', { type: 'button', id: 'page-next', text: 'Next page ›', disabled: true, onclick: () => { if (nextCursor) { cursors.push(nextCursor); loadPage(); } } });
  const labelList = el('datalist', { id: 'dl-dataset-labels' });
  const gridStatus = el('p', { id: 'grid-status', class: 'muted small', 'aria-live': 'polite' });

  // Import.
  const file = el('input', { type: 'file', id: 'import-file', name: 'archive', accept: '.zip,.tar.gz,.tgz,application/zip,application/gzip' });
  const status = el('span', { id: 'import-status', class: 'muted', 'aria-live': 'polite' });
  const report = el('div', { id: 'import-report', 'aria-live': 'polite' });
  const importForm = el('form', { id: 'dataset-import', class: 'section ds-import', 'aria-labelledby': 'import-title', onsubmit: async (ev) => {
    ev.preventDefault();
    const f = file.files[0];
    if (!f) { status.textContent = 'choose an archive first'; return; }
    const fd = new FormData();
    fd.append('file', f, f.name);
    status.textContent = `importing ${f.name}…`;
    btn.disabled = true;
    clear(report);
    try {
      const rep = await api('POST', '/api/datasets/' + enc(name) + '/import', fd);
      if (stopped) return;
      status.textContent = `${f.name} imported`;
      showReport(rep);
      file.value = '';
      await loadDetail();
      if (!label && detail.labels.length) label = detail.labels[0].label;
      cursors = [''];
      drawLabels();
      loadPage();
    } catch (e) {
      status.textContent = '';
      report.append(el('div', { class: 'errors', role: 'alert', text: `${f.name}: ${e.message}` }));
    } finally { btn.disabled = false; }
  } });
  const btn = el('button', { type: 'submit', id: 'import-start', class: 'primary', text: 'Import' });
  importForm.append(el('h2', { id: 'import-title', text: 'Import an archive' }),
    el('p', { class: 'muted small', text: 'A .zip or .tar.gz with one folder per label (label/image.png). Every image is checked and decoded; a refused archive changes nothing.' }),
    el('div', { class: 'upload-row' }, el('label', { for: 'import-file', text: 'Archive' }), file, btn, status), report);

  // Collect by label.
  const collectForm = collectPanel(name, () => stopped, async () => {
    await loadDetail();
    if (stopped) return;
    if (!detail.labels.some((l) => l.label === label)) label = detail.labels.length ? detail.labels[0].label : '';
    cursors = [''];
    drawLabels();
    loadPage();
  });

  const del = el('button', { type: 'button', id: 'dataset-delete', class: 'danger', text: 'Delete dataset', onclick: async () => {
    if (!confirm(`Delete the dataset ${name} and all its images?`)) return;
    try { await api('DELETE', '/api/datasets/' + enc(name)); location.hash = '#/datasets'; } catch (e) { errors.show(e.message); }
  } });
  head.append(el('span', { class: 'grow' }), del);
  clear(main).append(head, errors, summary, importForm, collectForm,
    el('section', { class: 'ds-images', 'aria-labelledby': 'images-title' },
      el('h2', { id: 'images-title', text: 'Images by label' }), labelBar, gridStatus, grid,
      el('div', { class: 'pager' }, prev, next, pageInfo)), labelList);

  function showReport(rep) {
    const labels = Object.entries(rep.labels || {}).sort((a, b) => a[0].localeCompare(b[0]));
    const problems = rep.problems || [];
    const near = rep.near_duplicates || [];
    report.append(
      el('p', { class: 'report-counts' }, el('b', { text: `${rep.added} added` }), `, ${rep.duplicates} duplicates (stored once), `,
        el('span', { class: rep.skipped ? 'error' : '', text: `${rep.skipped} skipped` })),
      labels.length ? el('p', { class: 'small' }, 'by label: ', labels.map(([l, n], i) => [i ? ', ' : '', `${l} ${n}`])) : null,
      problems.length ? el('details', { open: true, class: 'report-problems' }, el('summary', { text: `Skipped files (${rep.skipped})` }),
        el('ul', {}, problems.map((p) => el('li', {}, el('code', { text: p.file }), ': ' + p.reason))),
        rep.skipped > problems.length ? el('p', { class: 'muted small', text: `… and ${rep.skipped - problems.length} more` }) : null) : null,
      near.length ? el('details', { class: 'report-near' }, el('summary', { text: `Near duplicates (${near.length})` }),
        el('ul', {}, near.map((n) => el('li', {}, el('code', { text: n.file }), ` looks like ${n.of ? n.of : 'item ' + n.item} (label ${n.label}, distance ${n.distance})`)))) : null);
  }

  async function loadDetail() {
    detail = await api('GET', '/api/datasets/' + enc(name));
    drawSummary();
  }

  function drawSummary() {
    const n = detail.items, k = detail.labels.length;
    summary.textContent = `${n} image${n === 1 ? '' : 's'} in ${k} label${k === 1 ? '' : 's'}` +
      (detail.description ? ' · ' + detail.description : '') + ' · train from it with "dataset:' + name + '"';
    clear(labelList).append(detail.labels.map((l) => el('option', { value: l.label })));
  }

  function drawLabels() {
    clear(labelBar);
    if (!detail.labels.length) {
      labelBar.append(el('span', { class: 'muted', text: 'No images yet: import an archive above.' }));
      return;
    }
    for (const l of detail.labels) {
      labelBar.append(el('button', { type: 'button', class: 'label-tab', dataset: { label: l.label }, 'aria-pressed': String(l.label === label), onclick: () => {
        label = l.label;
        cursors = [''];
        history.replaceState(null, '', '#/datasets/' + enc(name) + '?label=' + enc(label));
        drawLabels();
        loadPage();
      } }, l.label + ' ', el('span', { class: 'count', text: String(l.items) })));
    }
  }

  let pageSeq = 0;
  async function loadPage() {
    const seq = ++pageSeq;
    const after = cursors[cursors.length - 1];
    clear(grid);
    if (!label) { pageInfo.textContent = ''; prev.disabled = next.disabled = true; return; }
    const q = new URLSearchParams({ label, limit: String(PAGE) });
    if (after) q.set('after', after);
    let r;
    try { r = await api('GET', '/api/datasets/' + enc(name) + '/items?' + q); } catch (e) { errors.show(e.message); return; }
    if (stopped || seq !== pageSeq) return;
    for (const it of r.items) grid.append(card(it));
    nextCursor = r.next || '';
    const n = cursors.length;
    pageInfo.textContent = r.items.length ? `${label}: page ${n}` : `${label}: no images on this page`;
    prev.disabled = n <= 1;
    next.disabled = !nextCursor;
  }

  function counted(l, delta) {
    const c = detail.labels.find((x) => x.label === l);
    if (c) c.items += delta;
    else if (delta > 0) detail.labels.push({ label: l, items: delta });
    detail.labels = detail.labels.filter((x) => x.items > 0).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    detail.items = detail.labels.reduce((a, x) => a + x.items, 0);
    drawSummary();
    drawLabels();
  }

  function card(it) {
    const id = it.id;
    const path = '/api/datasets/' + enc(name) + '/items/' + enc(id);
    const msg = el('span', { class: 'thumb-msg small', 'aria-live': 'polite' });
    const input = el('input', { type: 'text', id: 'label-' + id, name: 'label', list: 'dl-dataset-labels', value: it.label, maxlength: 100, autocomplete: 'off' });
    const li = el('li', { class: 'thumb', dataset: { id } });
    const relabel = el('form', { class: 'relabel', onsubmit: async (ev) => {
      ev.preventDefault();
      const to = input.value.trim();
      if (!to || to === it.label) return;
      try {
        await api('POST', path + '/label', { label: to });
        const from = it.label;
        it.label = to;
        msg.textContent = '';
        li.remove();
        counted(from, -1);
        counted(to, 1);
        gridStatus.textContent = `image ${id} moved from ${from} to ${to}`;
      } catch (e) { msg.textContent = e.message; msg.classList.add('error'); }
    } },
    el('label', { class: 'sr-only', for: 'label-' + id, text: `label of image ${id}` }), input,
    el('button', { type: 'submit', class: 'relabel-btn', 'aria-label': `relabel image ${id}`, text: 'Relabel' }));
    let armed = false;
    const remove = el('button', { type: 'button', class: 'danger delete-btn', 'aria-label': `delete image ${id}`, text: 'Delete', onclick: async () => {
      if (!armed) {
        armed = true;
        remove.textContent = 'Delete?';
        remove.setAttribute('aria-label', `confirm: delete image ${id}`);
        return;
      }
      try {
        await api('DELETE', path);
        li.remove();
        counted(it.label, -1);
        gridStatus.textContent = `image ${id} deleted`;
      } catch (e) { msg.textContent = e.message; msg.classList.add('error'); }
    } });
    li.append(
      el('img', { src: path + '/thumbnail?size=' + THUMB, loading: 'lazy', decoding: 'async', width: THUMB, height: THUMB,
        alt: `image ${id} labelled ${it.label}, ${it.width}×${it.height} ${it.format}` }),
      el('div', { class: 'thumb-meta muted small', text: `${it.width}×${it.height} ${it.format}` }),
      relabel, remove, msg);
    return li;
  }

  (async () => {
    await loadDetail();
    if (stopped) return;
    if (!detail.labels.some((l) => l.label === label)) label = detail.labels.length ? detail.labels[0].label : '';
    drawLabels();
    loadPage();
  })().catch((e) => { if (!stopped) errors.show(e.message); });
  return () => { stopped = true; };
}

// collectLine reads a collection's log message, 'collect "LABEL": REST',
// into [label, rest], or null.
function collectLine(msg) {
  const m = /^collect ("(?:[^"\\]|\\.)*"): (.*)$/s.exec(msg || '');
  if (!m) return null;
  try { return [JSON.parse(m[1]), m[2]]; } catch { return null; }
}

// collectPanel is the form that collects images by label into dataset
// name, with the live progress of each label; done is called when the
// collection ends (the grid reloads).
function collectPanel(name, stopped, done) {
  const num = (id, lbl, attrs) => {
    const input = el('input', Object.assign({ type: 'number', id, name: id.replace(/^collect-/, '').replace('-', '_'), min: 0, step: 1, inputmode: 'numeric' }, attrs));
    return [input, el('label', { class: 'field', for: id }, el('span', { class: 'label', text: lbl }), input)];
  };
  const labels = el('textarea', { id: 'collect-labels', name: 'labels', rows: 4, required: true, spellcheck: 'false',
    placeholder: 'American Foxhound\nmalamute:Alaskan Malamute imagesize:500x500', 'aria-describedby': 'collect-help' });
  const [limit, limitF] = num('collect-limit', 'Images per label', { value: 20, min: 1, max: 10000, required: true });
  const [pages, pagesF] = num('collect-pages', 'Pages (optional)', { min: 1, max: 100 });
  const [minW, minWF] = num('collect-min-width', 'Min width (optional)', {});
  const [minH, minHF] = num('collect-min-height', 'Min height (optional)', {});
  const chip = el('input', { type: 'text', id: 'collect-chip', name: 'chip', maxlength: 100, autocomplete: 'off' });
  const status = el('p', { id: 'collect-status', class: 'muted', 'aria-live': 'polite' });
  const progress = el('div', { id: 'collect-progress' });
  const start = el('button', { type: 'submit', id: 'collect-start', class: 'primary', text: 'Start' });
  const cancel = el('button', { type: 'button', id: 'collect-cancel', class: 'danger hidden', text: 'Cancel' });
  let es = null;
  let runID = '';
  cancel.onclick = async () => {
    if (!runID) return;
    cancel.disabled = true;
    try { await api('POST', '/api/runs/' + enc(runID) + '/cancel'); status.textContent = 'cancelling…'; } catch (e) { status.textContent = e.message; }
  };
  const form = el('form', { id: 'dataset-collect', class: 'section ds-collect', 'aria-labelledby': 'collect-title', onsubmit: async (ev) => {
    ev.preventDefault();
    const lines = labels.value.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!lines.length) { status.textContent = 'type one label per line first'; return; }
    const body = { labels: lines, limit: Number(limit.value) };
    if (pages.value) body.pages = Number(pages.value);
    if (minW.value) body.min_width = Number(minW.value);
    if (minH.value) body.min_height = Number(minH.value);
    if (chip.value.trim()) body.chip = chip.value.trim();
    start.disabled = true;
    clear(progress);
    status.textContent = 'queueing…';
    try {
      const r = await api('POST', '/api/datasets/' + enc(name) + '/collect', body);
      following(r.id);
    } catch (e) {
      status.textContent = e.message;
      start.disabled = false;
    }
  } },
  el('h2', { id: 'collect-title', text: 'Collect images by label' }),
  el('p', { id: 'collect-help', class: 'muted small', text: 'One label per line: a search query ("American Foxhound"), or label:query. The server searches the images (its SerpApi key), downloads, checks and stores them under their label.' }),
  el('label', { class: 'field', for: 'collect-labels' }, el('span', { class: 'label', text: 'Labels' }), labels),
  el('div', { class: 'ds-create-row' }, limitF, pagesF, minWF, minHF,
    el('label', { class: 'field', for: 'collect-chip' }, el('span', { class: 'label', text: 'Chip (optional)' }), chip)),
  el('div', { class: 'upload-row' }, start, cancel), status, progress);

  // rows maps a label to its progress row.
  let rows = new Map();
  let table = null;
  function row(l) {
    let r = rows.get(l);
    if (r) return r;
    if (!table) {
      table = el('tbody', {});
      progress.append(el('div', { class: 'table-scroll' }, el('table', { class: 'collect-progress' },
        el('caption', { class: 'sr-only', text: 'Collection progress by label' }),
        el('thead', {}, el('tr', {}, ['label', 'found', 'downloaded', 'stored', 'skipped', 'state'].map((h) => el('th', { scope: 'col', text: h })))), table)));
    }
    r = { found: 0, downloaded: 0, stored: 0, skipped: 0, state: 'searching', reasons: [], cells: {} };
    const tr = el('tr', { dataset: { label: l } }, el('th', { scope: 'row', text: l }));
    for (const k of ['found', 'downloaded', 'stored', 'skipped', 'state']) {
      r.cells[k] = el('td', { class: k === 'state' ? 'state' : 'num ' + k });
      tr.append(r.cells[k]);
    }
    r.why = el('ul', { class: 'small skip-reasons' });
    r.details = el('details', { class: 'collect-skips hidden', dataset: { label: l } }, el('summary', { text: `Skipped for ${l}` }), r.why);
    table.append(tr);
    progress.append(r.details);
    rows.set(l, r);
    return r;
  }
  function draw(r) {
    for (const k of ['found', 'downloaded', 'stored', 'skipped']) r.cells[k].textContent = String(r[k]);
    r.cells.state.textContent = r.state;
  }
  function onLog(msg) {
    const p = collectLine(msg);
    if (!p) return;
    const [l, rest] = p;
    const r = row(l);
    let m;
    if ((m = /^page \d+: (\d+) found$/.exec(rest))) r.found += Number(m[1]);
    else if (/^downloaded /.test(rest)) r.downloaded++;
    else if (/^stored /.test(rest)) r.stored++;
    else if ((m = /^skipped (.*?): (.*)$/s.exec(rest))) {
      r.skipped++;
      if (r.reasons.length < 50) {
        r.reasons.push(m[2]);
        r.why.append(el('li', {}, el('code', { text: m[1] }), ': ' + m[2]));
        if (r.details.classList.contains('hidden')) { r.details.classList.remove('hidden'); r.details.open = true; }
      }
    } else if ((m = /^(\d+) stored \((\d+) before\), (\d+) found, (\d+) downloaded, (\d+) duplicates, (\d+) skipped(?:; stopped: (.*))?$/s.exec(rest))) {
      r.stored = Number(m[1]); r.found = Number(m[3]); r.downloaded = Number(m[4]); r.skipped = Number(m[5]) + Number(m[6]);
      r.state = m[7] ? 'stopped: ' + m[7] : `done (${Number(m[1]) + Number(m[2])} in all)`;
    } else if (/^the search stopped: /.test(rest)) r.state = rest;
    draw(r);
  }
  // following shows that the collection run id is under way and follows it.
  function following(id) {
    runID = id;
    start.disabled = true;
    status.textContent = '';
    delete status.dataset.status;
    status.append('collecting (run ', el('a', { href: '#/runs/' + enc(id), text: id }), ')…');
    cancel.classList.remove('hidden');
    cancel.disabled = false;
    follow(id);
  }
  // A collection of this dataset under way (started before the page was
  // opened) is followed too.
  (async () => {
    for (const st of ['running', 'queued']) {
      const r = await api('GET', '/api/runs?status=' + st + '&limit=50');
      const run = (r.runs || []).find((x) => x.class === 'collect' && x.name === 'collect:' + name);
      if (run && !stopped() && !runID) { following(run.id); return; }
    }
  })().catch(() => { /* the panel still starts collections */ });
  function follow(id) {
    if (es) es.close();
    rows = new Map();
    table = null;
    es = new EventSource(eventsURL(id));
    es.addEventListener('log', (ev) => { if (!stopped()) onLog(JSON.parse(ev.data).message); });
    es.addEventListener('end', async (ev) => {
      es.close();
      es = null;
      if (stopped()) return;
      let st = '';
      try { st = JSON.parse(ev.data).status; } catch { /* the run says */ }
      let why = '';
      try { const run = await api('GET', '/api/runs/' + enc(id)); st = run.status; why = run.error || ''; } catch { /* keep the end's status */ }
      status.textContent = `collection ${st}` + (why ? ': ' + why : '');
      status.dataset.status = st;
      cancel.classList.add('hidden');
      start.disabled = false;
      runID = '';
      await done().catch((e) => { status.textContent += ' · ' + e.message; });
    });
  }
  return form;
}
