// form.js: the spec form, generated from GET /api/classes. The spec object
// is the one source of truth: the form and the JSON view both edit it and
// both are redrawn from it, and the server's validation errors are shown
// next to the field whose path they name (every input carries data-field).

import { el, clear, api, classes, download, ApiError } from './util.js';

const SAVED_KEY = 'mlforge.specs';
export const LOAD_KEY = 'mlforge.load';

let cat = null; // the catalogue from /api/classes
let files = { files: [] }; // GET /api/files
let stored = []; // GET /api/datasets: the stored image datasets
const storedLabels = new Map(); // dataset name → its labels with counts (GET /api/datasets/NAME), or a pending Promise
const csvPreviews = new Map(); // CSV path → GET /api/files/preview (cached)
const folderSamples = new Map(); // image folder → GET /api/files/samples
const datasetSamples = new Map(); // stored dataset → a few items per label
let spec = null; // the spec being edited
let root = null; // the page's element
let formBox = null;
let jsonArea = null;
let errorBox = null;
let validateTimer = null;
let validateSeq = 0;
let lastShapes = [];
let showTargetTransforms = false;
let jsonProblem = null; // the JSON view's syntax error, or null

const hasNetworks = () => Array.isArray(cat && cat.layers) && cat.layers.length > 0;
const byName = (list, name) => (list || []).find((c) => c.name === name);

// defaultSpec is a new spec: a classic estimator, or with network a layer
// list; task "autoencoder", "gan" or "sequence" gives that task's network.
function defaultSpec(network, task) {
  const n = Math.floor(Date.now() / 1000) % 100000;
  if (task && task !== 'classify') return taskSpec(task, n);
  if (network) {
    const layer = (t, p) => (byName(cat.layers, t) ? [Object.assign({ type: t }, p)] : []);
    const s = {
      name: 'net-' + n,
      data: { train: 'builtin:digits', split: { test_size: 0.25 } },
      model: { layers: [...layer('Linear', { in_features: 'auto', out_features: 32 }), ...layer('ReLU'), ...layer('Linear', { in_features: 'auto', out_features: 'n_labels' })] },
      batch_size: 64,
      epochs: 5,
      seed: 0,
    };
    const loss = byName(cat.losses, 'CrossEntropyLoss') || (cat.losses || [])[0];
    if (loss) s.criterion = { type: loss.name };
    const opt = byName(cat.optimizers, 'SGD') || (cat.optimizers || [])[0];
    if (opt) s.optimizer = opt.name === 'SGD' ? { type: 'SGD', lr: 0.01, momentum: 0.9 } : { type: opt.name };
    return s;
  }
  return {
    name: 'run-' + n,
    data: { train: 'builtin:iris', split: { test_size: 0.25 } },
    model: { class: 'LogisticRegression', params: {} },
  };
}

const isNetwork = () => !!(spec && spec.model && (Array.isArray(spec.model.layers) || ['autoencoder', 'gan'].includes(spec.task)));

// ---- tasks: what kind of network the spec trains ----

// TASKS are the spec's kinds of runs: the "task" key (autoencoder, gan),
// a sequence spec (data.sequence over a CSV series), or neither.
const TASKS = [
  ['classify', 'Classify / regress'],
  ['autoencoder', 'Autoencoder (encoder, decoder)'],
  ['gan', 'GAN (generator, discriminator)'],
  ['sequence', 'Sequence (window of a CSV series)'],
];

function taskOf() {
  if (spec && (spec.task === 'autoencoder' || spec.task === 'gan')) return spec.task;
  if (spec && spec.data && spec.data.sequence) return 'sequence';
  return 'classify';
}

// taskSpec is a task's starting spec, with the PyTorch tutorials' shapes.
function taskSpec(task, n) {
  const L = (t, p) => Object.assign({ type: t }, p || {});
  const adam = (lr, extra) => Object.assign({ type: 'Adam', lr }, extra || {});
  if (task === 'autoencoder') {
    return {
      name: 'ae-' + n, task: 'autoencoder',
      data: { train: 'builtin:digits', split: { test_size: 0.25 } },
      model: {
        encoder: [L('Linear', { in_features: 'auto', out_features: 16 }), L('ReLU'), L('Linear', { in_features: 'auto', out_features: 4 })],
        decoder: [L('Linear', { in_features: 'auto', out_features: 16 }), L('ReLU'), L('Linear', { in_features: 'auto', out_features: 64 })],
      },
      criterion: { type: 'MSELoss' }, optimizer: adam(0.01), batch_size: 64, epochs: 5, seed: 0,
    };
  }
  if (task === 'gan') {
    const betas = { betas: [0.5, 0.999] };
    return {
      name: 'gan-' + n, task: 'gan',
      data: { train: { images: '', labels: '' } },
      transforms: [L('ToTensor'), L('Normalize', { mean: [0.5], std: [0.5] })],
      model: {
        latent_dim: 16,
        generator: [L('Linear', { in_features: 'auto', out_features: 784 }), L('Tanh'), L('Unflatten', { dim: 1, unflattened_size: [1, 28, 28] })],
        discriminator: [L('Flatten'), L('Linear', { in_features: 'auto', out_features: 32 }), L('LeakyReLU', { negative_slope: 0.2 }), L('Linear', { in_features: 'auto', out_features: 1 })],
      },
      criterion: { type: 'BCEWithLogitsLoss' }, optimizer: adam(0.0002, betas), optimizer_d: adam(0.0002, betas), batch_size: 64, epochs: 5, seed: 0,
    };
  }
  const csv = (files.files.find((f) => f.kind === 'csv') || { path: '' }).path;
  return {
    name: 'seq-' + n,
    data: { train: csv, sequence: { window: 16, horizon: 1 }, split: { test_size: 0.25 } },
    model: { layers: [L('LSTM', { input_size: 'auto', hidden_size: 16, batch_first: true, return_sequences: false }), L('Linear', { in_features: 'auto', out_features: 1 })] },
    criterion: { type: 'MSELoss' }, optimizer: adam(0.01), batch_size: 32, epochs: 10, seed: 0,
  };
}

// taskSelect switches the spec to another task, keeping its name, seed
// and (where the task takes it) its data.
function taskSelect() {
  const cur = taskOf();
  const sel = el('select', { name: 'task', onchange: () => {
    const next = defaultSpec(sel.value === 'classify' ? isNetwork() : true, sel.value);
    next.name = spec.name || next.name;
    if (spec.seed !== undefined) next.seed = spec.seed;
    const d = spec.data || {};
    const kind = sourceKind(d.train);
    // The data stays where the task takes it (an autoencoder's default
    // decoder is sized for its built-in dataset, digits).
    const keep = { classify: true, autoencoder: kind !== 'builtin' && !!d.train && !(typeof d.train === 'object' && !d.train.images), gan: ['idx', 'images', 'dataset'].includes(kind), sequence: kind === 'csv' && !!d.train };
    if (keep[sel.value]) {
      next.data = Object.assign(JSON.parse(JSON.stringify(d)), sel.value === 'sequence' ? { sequence: next.data.sequence } : {});
      if (sel.value !== 'sequence') delete next.data.sequence;
    }
    spec = next;
    lastShapes = [];
    redraw();
  } }, TASKS.map(([v, text]) => el('option', { value: v, text })));
  sel.value = cur;
  return field('task', 'task', sel);
}

// shapesFrom are the validation's layer shapes of the list that starts at
// index off of the joined lists (an autoencoder's decoder, a GAN's
// discriminator), indexed from 0.
function shapesFrom(off, n) {
  return lastShapes.filter((x) => x.index >= off && x.index < off + n).map((x) => Object.assign({}, x, { index: x.index - off }));
}

// ---- values typed as text ----

function textOf(v) {
  if (v === undefined) return '';
  if (v === null) return 'null';
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object')) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// parseValue reads what was typed for parameter p. Text that does not fit
// the type is kept as a string, for the server to explain.
function parseValue(p, t) {
  t = t.trim();
  if (p.auto && t === 'auto') return 'auto';
  if (p.n_labels && t === 'n_labels') return 'n_labels';
  if (t === 'null' && p.nullable) return null;
  const type = p.type || 'any';
  if (type === 'int' || type === 'float') {
    const v = Number(t);
    return t !== '' && Number.isFinite(v) ? v : t;
  }
  if (type === 'bool') return t === 'true' ? true : t === 'false' ? false : t;
  if (type.startsWith('[]')) {
    if (t.startsWith('[')) { try { return JSON.parse(t); } catch { return t; } }
    const parts = t.split(/[\s,]+/).filter((x) => x !== '');
    if (type === '[]string') return parts;
    const nums = parts.map(Number);
    return nums.every(Number.isFinite) ? nums : t;
  }
  if (type === 'string') return t;
  // Pairs, sizes and the like: "3, 3" or "3 3" is a list of numbers.
  if (/^-?\d+(\.\d+)?([\s,]+-?\d+(\.\d+)?)+$/.test(t)) return t.split(/[\s,]+/).map(Number);
  try { return JSON.parse(t); } catch { return t; }
}

const shapeText = (s) => (Array.isArray(s) ? '(' + s.join(', ') + ')' : textOf(s));

function typeHint(p) {
  let h = p.type || 'any';
  if (p.auto) h += ' | auto';
  if (p.n_labels) h += ' | n_labels';
  if (p.nullable) h += ' | null';
  return h;
}

function defaultText(p) {
  return p.required || p.default === undefined ? 'required' : textOf(p.default);
}

// ---- form pieces ----

// field wraps a labelled control; data-field is the spec path errors name.
function field(label, path, control, hint) {
  return el('label', { class: 'field', dataset: { field: path } },
    el('span', { class: 'label' }, label, hint ? el('small', { text: hint }) : null), control);
}

// paramField edits obj[p.name], one hyperparameter. Leaving it empty keeps
// the default (the key is left out of the spec).
function paramField(p, obj, path) {
  const key = p.name;
  const fpath = path ? path + '.' + key : key;
  const title = (p.help || '') + ` (${p.required || p.default === undefined ? 'required' : 'default: ' + defaultText(p)})`;
  let control;
  if (p.enum && p.enum.length) {
    control = el('select', { title, onchange: () => {
      if (control.value === '') delete obj[key];
      else obj[key] = control.value === '\u0000null' ? null : parseValue(p, control.value);
      changed();
    } },
    el('option', { value: '', text: 'default: ' + defaultText(p) }),
    p.enum.map((v) => el('option', { value: String(v), text: String(v) })),
    // null is offered unless the list already names it ("none" means null).
    p.nullable && !p.enum.includes('none') ? el('option', { value: '\u0000null', text: 'null' }) : null);
    control.value = obj[key] === undefined ? '' : obj[key] === null ? (p.enum.includes('none') ? 'none' : '\u0000null') : String(obj[key]);
  } else if (p.type === 'bool' && !p.nullable) {
    control = el('input', { type: 'checkbox', title, checked: obj[key] === undefined ? !!p.default : !!obj[key], onchange: () => {
      if (control.checked === !!p.default) delete obj[key];
      else obj[key] = control.checked;
      changed();
    } });
  } else {
    const list = p.auto && p.n_labels ? 'dl-auto-nlabels' : p.auto ? 'dl-auto' : p.n_labels ? 'dl-nlabels' : null;
    control = el('input', { type: 'text', title, list, placeholder: defaultText(p), value: textOf(obj[key]), spellcheck: 'false',
      oninput: () => {
        if (control.value.trim() === '') delete obj[key];
        else obj[key] = parseValue(p, control.value);
        changed();
      } });
  }
  control.name = fpath;
  return field(key, fpath, control, typeHint(p));
}

// paramGrid shows every parameter of a class; compact mode hides the ones
// left at their default behind a "more" toggle.
function paramGrid(params, obj, path, compact) {
  const grid = el('div', { class: 'params' });
  if (!params || params.length === 0) {
    grid.append(el('span', { class: 'muted', text: 'no parameters' }));
    return grid;
  }
  const shown = [], hidden = [];
  for (const p of params) {
    const important = !compact || obj[p.name] !== undefined || p.required || p.default === undefined || p.auto || p.n_labels;
    (important ? shown : hidden).push(p);
  }
  for (const p of shown) grid.append(paramField(p, obj, path));
  if (hidden.length) {
    const more = el('div', { class: 'params more hidden' }, hidden.map((p) => paramField(p, obj, path)));
    const btn = el('button', { type: 'button', class: 'link', text: `+${hidden.length} more`, onclick: () => {
      more.classList.toggle('hidden');
      btn.textContent = more.classList.contains('hidden') ? `+${hidden.length} more` : 'fewer';
    } });
    grid.append(btn, more);
  }
  return grid;
}

function section(title, ...children) {
  return el('fieldset', { class: 'section' }, el('legend', { text: title }), ...children);
}

function withLabel(control, label) {
  control.setAttribute('aria-label', label);
  return control;
}

function typeSelect(catalogue, value, onchange, extra) {
  const s = el('select', { onchange: () => onchange(s.value) },
    extra ? el('option', { value: '', text: extra }) : null,
    (catalogue || []).map((c) => el('option', { value: c.name, text: c.name, title: c.doc || '' })));
  s.value = value || '';
  return s;
}

// stepList edits a list of {type, ...params} (layers, preprocessing steps,
// transforms): add, remove, reorder.
function stepList(owner, key, catalogue, path, opts = {}) {
  const items = Array.isArray(owner[key]) ? owner[key] : [];
  const box = el('div', { class: 'steps', dataset: { field: path } });
  items.forEach((item, i) => {
    const ipath = `${path}[${i}]`;
    const info = byName(catalogue, item.type);
    const shape = opts.shapes ? opts.shapes.find((s) => s.index === i) : null;
    const row = el('div', { class: 'step', dataset: { field: ipath, index: String(i) } },
      el('div', { class: 'step-head' },
        el('span', { class: 'idx', text: String(i) }),
        el('span', { dataset: { field: ipath + '.type' } }, withLabel(typeSelect(catalogue, item.type, (t) => { items[i] = { type: t }; redraw(); }), `${opts.noun || 'step'} ${i} type`)),
        shape ? el('span', { class: 'shape', title: 'output shape', text: '→ ' + shapeText(shape.out_shape) }) : el('span', { class: 'shape' }),
        el('span', { class: 'grow' }),
        el('button', { type: 'button', class: 'icon', title: 'move up', disabled: i === 0, text: '↑', onclick: () => { [items[i - 1], items[i]] = [items[i], items[i - 1]]; redraw(); } }),
        el('button', { type: 'button', class: 'icon', title: 'move down', disabled: i === items.length - 1, text: '↓', onclick: () => { [items[i + 1], items[i]] = [items[i], items[i + 1]]; redraw(); } }),
        el('button', { type: 'button', class: 'icon remove', title: 'remove', text: '✕', onclick: () => { items.splice(i, 1); if (!items.length && !opts.keepEmpty) delete owner[key]; redraw(); } })),
      info ? paramGrid(info.params, item, ipath, true) : el('div', { class: 'muted', text: `unknown type ${item.type}` }));
    box.append(row);
  });
  const adder = typeSelect(catalogue, '', () => {}, `choose a ${opts.noun || 'step'}…`);
  box.append(el('div', { class: 'add' }, adder,
    el('button', { type: 'button', class: 'add-' + key, text: 'Add ' + (opts.noun || 'step'), onclick: () => {
      if (!adder.value) return;
      if (!Array.isArray(owner[key])) owner[key] = [];
      owner[key].push({ type: adder.value });
      redraw();
    } })));
  adder.name = opts.addName || 'add-' + key;
  adder.setAttribute('aria-label', 'add a ' + (opts.noun || 'step'));
  return box;
}

// typedObject edits spec[key] = {type, ...params} chosen from catalogue.
function typedObject(key, catalogue, optional) {
  const obj = spec[key];
  const sel = typeSelect(catalogue, obj && obj.type, (t) => {
    if (!t) delete spec[key];
    else spec[key] = { type: t };
    redraw();
  }, optional ? 'none' : null);
  sel.name = key + '.type';
  const grid = obj && byName(catalogue, obj.type) ? paramGrid(byName(catalogue, obj.type).params, obj, key, false) : el('div', { class: 'params' });
  grid.prepend(field(key, key + '.type', sel));
  const none = grid.querySelector(':scope > .muted');
  if (none) none.remove();
  return el('div', { class: 'typed', dataset: { field: key } }, grid);
}

function numberField(label, owner, key, path, placeholder, hint) {
  const input = el('input', { type: 'text', inputmode: 'decimal', name: path, placeholder, value: textOf(owner[key]), oninput: () => {
    const t = input.value.trim();
    if (t === '') delete owner[key];
    else owner[key] = Number.isFinite(Number(t)) ? Number(t) : t;
    changed();
  } });
  return field(label, path, input, hint);
}

// ---- data ----

function sourceKind(train) {
  if (train && typeof train === 'object') return 'idx';
  const t = String(train || '');
  if (t.startsWith('builtin:')) return 'builtin';
  if (t.startsWith('dataset:')) return 'dataset';
  if (/\.csv(\.gz)?$/i.test(t) || t === '') return 'csv';
  return 'images';
}

function dataSection() {
  const d = spec.data || (spec.data = {});
  const kind = sourceKind(d.train);
  const kindSel = el('select', { name: 'data.kind', onchange: () => {
    const k = kindSel.value;
    if (k === 'builtin') d.train = 'builtin:' + ((cat.datasets || [])[0] || { name: 'iris' }).name;
    else if (k === 'csv') d.train = (files.files.find((f) => f.kind === 'csv') || { path: '' }).path;
    else if (k === 'images') d.train = (files.files.find((f) => f.kind === 'images') || { path: '' }).path;
    else if (k === 'dataset') d.train = 'dataset:' + (stored[0] ? stored[0].name : '');
    else d.train = { images: '', labels: '' };
    redraw();
  } },
  el('option', { value: 'builtin', text: 'Built-in dataset' }),
  el('option', { value: 'csv', text: 'CSV file' }),
  hasNetworks() ? el('option', { value: 'images', text: 'Image folder' }) : null,
  hasNetworks() ? el('option', { value: 'idx', text: 'IDX files (MNIST format)' }) : null,
  hasNetworks() ? el('option', { value: 'dataset', text: 'Stored dataset (Datasets page)' }) : null);
  kindSel.value = kind;

  const parts = [field('source', 'data.kind', kindSel)];
  let columns = [];
  let columnTypes = new Map();
  if (kind === 'builtin') {
    const sel = el('select', { name: 'data.train', onchange: () => { d.train = 'builtin:' + sel.value; delete d.target; redraw(); } },
      (cat.datasets || []).map((ds) => el('option', { value: ds.name, text: `${ds.name} (${ds.rows}×${ds.features}, ${ds.task})`, title: ds.doc || '' })));
    sel.value = String(d.train).slice(8);
    const ds = byName(cat.datasets, sel.value);
    if (ds) columns = ds.columns || [];
    parts.push(field('dataset', 'data.train', sel));
  } else if (kind === 'csv') {
    const csvs = files.files.filter((f) => f.kind === 'csv');
    const sel = el('select', { name: 'data.train', onchange: () => { d.train = sel.value; redraw(); } },
      el('option', { value: '', text: csvs.length ? 'choose a file' : 'no CSV files yet: upload one' }),
      csvs.map((f) => el('option', { value: f.path, text: `${f.path} (${(f.size / 1024).toFixed(0)} KiB)` })));
    if (d.train && !csvs.some((f) => f.path === d.train)) sel.append(el('option', { value: d.train, text: d.train }));
    sel.value = d.train || '';
    const up = el('input', { type: 'file', name: 'upload', accept: '.csv,.gz,text/csv', 'aria-label': 'CSV file to upload' });
    const status = el('span', { class: 'upload-status muted' });
    const btn = el('button', { type: 'button', class: 'upload', text: 'Upload', onclick: async () => {
      const f = up.files[0];
      if (!f) { status.textContent = 'choose a file first'; return; }
      const fd = new FormData();
      fd.append('file', f, f.name);
      status.textContent = 'uploading…';
      try {
        let r;
        try { r = await api('POST', '/api/files', fd); } catch (e) {
          if (!(e instanceof ApiError && e.status === 409 && confirm(`${f.name} exists already. Replace it?`))) throw e;
          r = await api('POST', '/api/files?overwrite=1', fd);
        }
        await loadFiles();
        csvPreviews.delete(r.path);
        d.train = r.path;
        redraw();
      } catch (e) {
        status.textContent = e.message;
        status.classList.add('error');
      }
    } });
    parts.push(field('file', 'data.train', sel), el('div', { class: 'field upload-row', dataset: { field: 'upload' } }, up, btn, status));
    const pv = d.train ? cached(csvPreviews, d.train, () => api('GET', '/api/files/preview?rows=5&path=' + encodeURIComponent(d.train))) : null;
    if (pv && pv.columns) {
      columns = pv.columns.map((c) => c.name);
      columnTypes = new Map(pv.columns.map((c) => [c.name, c.type]));
      parts.push(csvPreviewTable(pv));
    } else if (pv && pv.error) parts.push(el('p', { class: 'error small', id: 'csv-preview-error', text: pv.error }));
  } else if (kind === 'images') {
    const dirs = files.files.filter((f) => f.kind === 'images');
    const sel = el('select', { name: 'data.train', onchange: () => { d.train = sel.value; redraw(); } },
      el('option', { value: '', text: dirs.length ? 'choose a folder' : 'no image folders under the data folder' }),
      dirs.map((f) => el('option', { value: f.path, text: `${f.path} (${f.classes.length} classes, ${f.classes.reduce((a, c) => a + c.images, 0)} images)` })));
    if (d.train && !dirs.some((f) => f.path === d.train)) sel.append(el('option', { value: d.train, text: d.train }));
    sel.value = d.train || '';
    parts.push(field('folder', 'data.train', sel));
    const info = dirs.find((f) => f.path === d.train);
    if (info) {
      const sm = cached(folderSamples, d.train, () => api('GET', '/api/files/samples?per_class=4&path=' + encodeURIComponent(d.train)));
      if (sm && sm.classes) parts.push(classGallery(sm.classes.map((c) => ({ name: c.name, count: c.images, thumbs: c.samples.map((p) => '/api/files/thumbnail?size=64&path=' + encodeURIComponent(p)) }))));
      else parts.push(el('div', { class: 'muted small', text: 'classes: ' + info.classes.map((c) => `${c.name} (${c.images})`).join(', ') }));
    }
  } else if (kind === 'dataset') {
    parts.push(...datasetSource(d));
  } else {
    // MNIST's names say which file is which: the images list leaves out
    // files named as labels (idx1) and the labels list files named as
    // images (idx3); a file named neither way is offered in both.
    const other = { images: /labels|idx1/i, labels: /images|idx[2-9]/i };
    for (const k of ['images', 'labels']) {
      const idx = files.files.filter((f) => f.kind === 'idx' && !other[k].test(f.path.split('/').pop()));
      const sel = el('select', { name: 'data.train.' + k, onchange: () => { d.train[k] = sel.value; changed(); } },
        el('option', { value: '', text: 'choose a file' }), idx.map((f) => el('option', { value: f.path, text: f.path })));
      if (d.train[k] && !idx.some((f) => f.path === d.train[k])) sel.append(el('option', { value: d.train[k], text: d.train[k] }));
      sel.value = d.train[k] || '';
      parts.push(field(k, 'data.train.' + k, sel));
    }
  }
  if ((kind === 'builtin' || kind === 'csv') && columns.length) {
    // The target is picked from the file's real columns.
    const last = columns[columns.length - 1];
    const tgt = el('select', { name: 'data.target', id: 'data-target', onchange: () => {
      if (tgt.value) d.target = tgt.value; else delete d.target;
      changed();
    } }, el('option', { value: '', text: `last column (${last})` }),
    columns.map((c) => el('option', { value: c, text: columnTypes.has(c) ? `${c} (${columnTypes.get(c)})` : c })));
    if (d.target && !columns.includes(d.target)) tgt.append(el('option', { value: d.target, text: `${d.target} (not a column)` }));
    tgt.value = d.target || '';
    parts.push(field('target column', 'data.target', tgt));
  } else if (kind === 'builtin' || kind === 'csv') {
    const tgt = el('input', { type: 'text', name: 'data.target', placeholder: 'last column', value: d.target || '', oninput: () => {
      if (tgt.value.trim()) d.target = tgt.value.trim(); else delete d.target;
      changed();
    } });
    parts.push(field('target column', 'data.target', tgt));
  }
  const split = d.split || (d.split = {});
  const strat = el('select', { name: 'data.split.stratify', onchange: () => {
    if (strat.value === '') delete split.stratify; else split.stratify = strat.value === 'true';
    changed();
  } }, el('option', { value: '', text: 'default' }), el('option', { value: 'true', text: 'yes' }), el('option', { value: 'false', text: 'no' }));
  strat.value = split.stratify === undefined ? '' : String(split.stratify);
  parts.push(el('div', { class: 'row' },
    numberField('test size', split, 'test_size', 'data.split.test_size', '0.25'),
    numberField('split seed', split, 'seed', 'data.split.seed', 'seed'),
    field('stratify', 'data.split.stratify', strat)));
  return section('Data', ...parts);
}

// ---- the whole form ----

function metricsField() {
  const est = byName(cat.estimators, spec.model && spec.model.class);
  const task = est ? est.task : taskOf() === 'sequence' ? '' : isNetwork() ? 'classification' : '';
  const chosen = spec.metrics || [];
  const set = (list) => { if (list.length) spec.metrics = list; else delete spec.metrics; redraw(); };
  const add = el('select', { name: 'add-metric', 'aria-label': 'add a metric', onchange: () => { if (add.value) set([...chosen, add.value]); } },
    el('option', { value: '', text: 'add a metric…' }),
    (cat.metrics || []).filter((m) => (!task || m.task === task) && !chosen.includes(m.name))
      .map((m) => el('option', { value: m.name, text: m.name, title: m.doc || '' })));
  return el('div', { class: 'metrics', dataset: { field: 'metrics' } },
    chosen.map((name, i) => el('span', { class: 'chip', dataset: { field: `metrics[${i}]` } }, name,
      el('button', { type: 'button', class: 'icon', title: 'remove', text: '✕', onclick: () => set(chosen.filter((x) => x !== name)) }))),
    chosen.length ? null : el('span', { class: 'muted small', text: 'the task\'s defaults' }),
    add);
}

function modelSection() {
  const task = hasNetworks() ? taskOf() : 'classify';
  if (task !== 'classify') return section('Model', taskSelect(), ...taskModelParts(task));
  const net = isNetwork();
  const modeSel = el('select', { name: 'model.mode', onchange: () => {
    const keep = { name: spec.name, data: spec.data, seed: spec.seed };
    spec = Object.assign(defaultSpec(modeSel.value === 'network'), JSON.parse(JSON.stringify(keep)));
    if (modeSel.value === 'network' && sourceKind(spec.data.train) === 'builtin') spec.data.train = 'builtin:digits';
    redraw();
  } }, el('option', { value: 'estimator', text: 'Predefined class' }), hasNetworks() ? el('option', { value: 'network', text: 'Network, layer by layer' }) : null);
  modeSel.value = net ? 'network' : 'estimator';
  const parts = [hasNetworks() ? taskSelect() : null, field('model', 'model', modeSel)];
  if (net) {
    parts.push(stepList(spec.model, 'layers', cat.layers, 'model.layers', { shapes: lastShapes, noun: 'layer', keepEmpty: true, addName: 'add-layer' }));
  } else {
    const m = spec.model || (spec.model = {});
    const models = (cat.estimators || []).filter((e) => e.task !== 'transform');
    const sel = el('select', { name: 'model.class', onchange: () => { spec.model = { class: sel.value, params: {} }; delete spec.metrics; redraw(); } },
      ['classification', 'regression', 'clustering'].map((task) => {
        const group = models.filter((e) => e.task === task);
        return group.length ? el('optgroup', { label: task }, group.map((e) => el('option', { value: e.name, text: e.name, title: e.doc }))) : null;
      }),
      models.filter((e) => !['classification', 'regression', 'clustering'].includes(e.task)).map((e) => el('option', { value: e.name, text: e.name })));
    sel.value = m.class || '';
    parts.push(field('class', 'model.class', sel));
    const info = byName(cat.estimators, m.class);
    if (info) {
      if (!m.params) m.params = {};
      parts.push(el('p', { class: 'doc', text: info.doc || '' }), paramGrid(info.params, m.params, 'model.params', false));
    }
  }
  return section('Model', ...parts);
}

// taskModelParts are the model fields of an autoencoder, a GAN or a
// sequence spec.
function taskModelParts(task) {
  const m = spec.model || (spec.model = {});
  const list = (key, noun, shapes) => [el('h4', { text: key }),
    stepList(m, key, cat.layers, 'model.' + key, { shapes, noun, keepEmpty: true, addName: 'add-' + key })];
  if (task === 'autoencoder') {
    const nEnc = (m.encoder || []).length;
    return [el('p', { class: 'doc', text: 'The encoder maps a sample to its latent code, the decoder the code back to the sample\'s shape; trained to reconstruct the input with the criterion.' }),
      ...list('encoder', 'encoder layer', shapesFrom(0, nEnc)), ...list('decoder', 'decoder layer', shapesFrom(nEnc, (m.decoder || []).length))];
  }
  if (task === 'gan') {
    const nGen = (m.generator || []).length;
    return [el('p', { class: 'doc', text: 'The generator maps latent_dim noise values to an image of the data\'s shape; the discriminator an image to one logit. Each has its optimizer (optimizer, optimizer_d).' }),
      el('div', { class: 'row' }, numberField('latent dim', m, 'latent_dim', 'model.latent_dim', '100', 'int')),
      ...list('generator', 'generator layer', shapesFrom(0, nGen)), ...list('discriminator', 'discriminator layer', shapesFrom(nGen, (m.discriminator || []).length))];
  }
  const d = spec.data || (spec.data = {});
  const sq = d.sequence || (d.sequence = { window: 16, horizon: 1 });
  const target = el('input', { type: 'text', name: 'data.sequence.target', placeholder: 'data.target or the last column', value: sq.target || '', oninput: () => {
    if (target.value.trim()) sq.target = target.value.trim(); else delete sq.target;
    changed();
  } });
  if (!Array.isArray(m.layers)) m.layers = [];
  return [el('p', { class: 'doc', text: 'Each sample is window consecutive rows of the CSV series, its target the target column horizon rows after the window\'s last row; the split is chronological.' }),
    el('div', { class: 'row' },
      numberField('window', sq, 'window', 'data.sequence.window', '16', 'int'),
      numberField('horizon', sq, 'horizon', 'data.sequence.horizon', '1', 'int'),
      field('target', 'data.sequence.target', target)),
    el('h4', { text: 'layers' }),
    stepList(m, 'layers', cat.layers, 'model.layers', { shapes: lastShapes, noun: 'layer', keepEmpty: true, addName: 'add-layer' })];
}

function networkSection() {
  const parts = [
    el('div', { class: 'row' },
      numberField('batch size', spec, 'batch_size', 'batch_size', '64', 'int'),
      numberField('epochs', spec, 'epochs', 'epochs', '1', 'int')),
    typedObject('criterion', cat.losses, false),
    typedObject('optimizer', cat.optimizers, false),
    spec.task === 'gan' ? typedObject('optimizer_d', cat.optimizers, false) : null,
  ];
  if (cat.schedulers && cat.schedulers.length) parts.push(typedObject('scheduler', cat.schedulers, true));
  return section('Training', ...parts);
}

function transformsSection() {
  const labels = el('textarea', { name: 'labels', rows: 3, placeholder: 'one label per line (optional)', value: (spec.labels || []).join('\n'), oninput: () => {
    const l = labels.value.split('\n').map((x) => x.trim()).filter((x) => x);
    if (l.length) spec.labels = l; else delete spec.labels;
    changed();
  } });
  // Transforms are for image data (or shown when the spec has some).
  const images = ['images', 'idx', 'dataset'].includes(sourceKind(spec.data && spec.data.train)) || (spec.transforms || []).length > 0;
  return section(images ? 'Images and labels' : 'Labels',
    images ? [el('h4', { text: 'Transforms (image preprocessing)' }), stepList(spec, 'transforms', cat.transforms, 'transforms', { noun: 'transform' })] : null,
    showTargetTransforms || (spec.target_transforms || []).length
      ? [el('h4', { text: 'Target transforms' }), stepList(spec, 'target_transforms', cat.transforms, 'target_transforms', { noun: 'transform' })]
      : el('button', { type: 'button', class: 'link', text: '+ target transforms', onclick: () => { showTargetTransforms = true; redraw(); } }),
    field('label names', 'labels', labels, 'one per line'));
}

function runSection() {
  const name = el('input', { type: 'text', name: 'name', value: spec.name || '', required: true, pattern: '[A-Za-z0-9._-]{1,64}', title: '1 to 64 letters, digits, ".", "_" or "-"', oninput: () => { spec.name = name.value; changed(); } });
  return section('Run',
    el('div', { class: 'row' }, field('model name', 'name', name), numberField('seed', spec, 'seed', 'seed', '0', 'int')));
}

function preprocessSection() {
  const transformers = (cat.estimators || []).filter((e) => e.task === 'transform');
  return section('Preprocessing', stepList(spec, 'preprocess', transformers, 'preprocess', { noun: 'step' }));
}

// redraw rebuilds the form (and the JSON view) from spec.
function redraw(fromJSON) {
  const scrollTop = formBox.scrollTop;
  clear(formBox);
  const net = isNetwork();
  const fixedMetrics = spec.task === 'autoencoder' || spec.task === 'gan'; // their metrics are the task's own
  formBox.append(
    el('div', { class: 'col' }, runSection(), dataSection(), net && !spec.preprocess ? null : preprocessSection(), fixedMetrics && !spec.metrics ? null : section('Metrics', metricsField())),
    el('div', { class: 'col' }, modelSection()));
  if (net) formBox.append(el('div', { class: 'col' }, networkSection(), transformsSection()));
  formBox.classList.toggle('three', net);
  formBox.scrollTop = scrollTop;
  changed(fromJSON);
}

// changed follows an edit: the JSON view is rewritten (unless the edit came
// from it) and validation is scheduled.
// Until the answer comes, the validity says "checking" and no layer shapes
// are shown: what is shown is always about the spec on screen.
function changed(fromJSON) {
  if (!fromJSON) {
    jsonArea.value = JSON.stringify(spec, null, 2);
    setJSONProblem(null);
  }
  try { sessionStorage.setItem('mlforge.draft', JSON.stringify(spec)); } catch { /* private mode */ }
  clearTimeout(validateTimer);
  validateSeq++;
  setValidity('checking…', 'muted');
  setShapes([]);
  validateTimer = setTimeout(validate, 400);
}

function setValidity(text, cls) {
  const status = root.querySelector('#validity');
  if (!status) return;
  status.textContent = text;
  status.className = cls;
}

// setShapes shows the output shape of each layer (none: no shapes known).
// An autoencoder's and a GAN's shapes are indexed over the two lists
// joined: the second list's start at the first's length.
function setShapes(shapes) {
  lastShapes = shapes;
  const m = (spec && spec.model) || {};
  const lists = [['layers', 0], ['encoder', 0], ['decoder', (m.encoder || []).length], ['generator', 0], ['discriminator', (m.generator || []).length]];
  for (const [key, off] of lists) {
    for (const e of formBox.querySelectorAll(`.step[data-field^="model.${key}["] > .step-head > .shape`)) {
      const i = Number(e.closest('.step').dataset.index) + off;
      const s = shapes.find((x) => x.index === i);
      e.textContent = s ? '→ ' + shapeText(s.out_shape) : '';
    }
  }
}

// jsonErrorAt returns the offset of the first JSON syntax error in text
// (browsers do not all say where): a small scanner of the JSON grammar.
function jsonErrorAt(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \t\n\r'.includes(text[i])) i++; };
  const fail = () => { throw i; };
  const lit = (w) => { if (text.startsWith(w, i)) i += w.length; else fail(); };
  const str = () => {
    i++;
    for (;;) {
      if (i >= text.length || text[i] < ' ') fail();
      if (text[i] === '"') { i++; return; }
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') { if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail(); i += 5; } else if ('"\\/bfnrt'.includes(text[i]) && i < text.length) i++; else fail();
      } else i++;
    }
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws(); if (text[i] !== '"') fail(); str(); ws();
        if (text[i] !== ':') fail(); i++; value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    } else if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    } else if (c === '"') str();
    else if (c === 't') lit('true');
    else if (c === 'f') lit('false');
    else if (c === 'n') lit('null');
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) fail();
      i += m[0].length;
    }
  };
  try { value(); ws(); if (i < text.length) fail(); } catch (at) { if (typeof at === 'number') return at; throw at; }
  return text.length;
}

// jsonPosition turns a JSON.parse error into "line L, column C: message".
export function jsonPosition(text, err) {
  const pos = jsonErrorAt(text);
  const before = text.slice(0, pos).split('\n');
  const line = before.length;
  const col = before[before.length - 1].length + 1;
  const msg = String((err && err.message) || err).replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '');
  return { line, col, text: `line ${line}, column ${col}: ${msg}` };
}

// setJSONProblem marks the JSON view invalid (problem: a message) or
// valid (null). An invalid JSON view disables Start: the form behind it
// no longer shows what would run.
function setJSONProblem(problem) {
  jsonProblem = problem;
  jsonArea.classList.toggle('invalid', !!problem);
  jsonArea.setAttribute('aria-invalid', problem ? 'true' : 'false');
  const st = root.querySelector('#json-status');
  if (st) st.textContent = problem || '';
  const btn = root.querySelector('#start');
  if (btn) {
    btn.disabled = !!problem;
    btn.title = problem ? 'fix the JSON first' : '';
  }
  if (problem) {
    clearTimeout(validateTimer);
    validateSeq++;
    clearErrors();
    setShapes([]);
    setValidity('✗ invalid JSON (' + problem.split(':')[0] + ')', 'error');
  }
}

function clearErrors() {
  for (const e of root.querySelectorAll('.field-error')) e.remove();
  for (const e of root.querySelectorAll('.has-error')) e.classList.remove('has-error');
  clear(errorBox);
  errorBox.classList.add('hidden');
}

// fieldElement finds the element for a spec path, or for the nearest
// enclosing path that has one.
function fieldElement(path) {
  let p = path;
  while (p) {
    const e = formBox.querySelector(`[data-field="${CSS.escape(p)}"]`);
    if (e) return e;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) break;
    p = p.slice(0, cut);
  }
  return null;
}

// focusField moves the keyboard focus to the control of a spec path (or
// of its nearest enclosing path on the form).
function focusField(path) {
  const target = path ? fieldElement(path) : null;
  if (!target) return;
  const c = target.matches('input, select, textarea') ? target : target.querySelector('input, select, textarea, button');
  target.scrollIntoView({ block: 'center' });
  if (c) c.focus();
}

// showErrors shows every problem at once: each next to its field (or the
// nearest enclosing one on the form), and all of them listed in the box
// above the form, each a button that focuses its field.
function showErrors(details, message) {
  clearErrors();
  const list = details.length ? details : [{ field: '', message }];
  for (const d of list) {
    const target = d.field ? fieldElement(d.field) : null;
    if (!target) continue;
    target.classList.add('has-error');
    const msg = el('div', { class: 'field-error', dataset: { for: d.field }, text: (target.dataset.field === d.field ? '' : d.field + ': ') + d.message });
    if (target.classList.contains('step') || target.classList.contains('steps') || target.classList.contains('typed')) target.prepend(msg);
    else target.append(msg);
  }
  errorBox.classList.remove('hidden');
  errorBox.append(el('p', { class: 'small', text: list.length === 1 ? '1 problem:' : `${list.length} problems:` }),
    el('ul', {}, list.map((d) => el('li', { dataset: { field: d.field || '' } },
      d.field && fieldElement(d.field)
        ? el('button', { type: 'button', class: 'link', title: 'go to the field', onclick: () => focusField(d.field) }, el('code', { text: d.field }))
        : d.field ? el('code', { text: d.field }) : null,
      d.field ? ': ' : '', d.message))));
}

// validate sends the JSON view's text, exactly what Start would send.
async function validate() {
  if (jsonProblem) return;
  const seq = ++validateSeq;
  try {
    const r = await api('POST', '/api/validate', jsonArea.value);
    if (seq !== validateSeq) return;
    clearErrors();
    // A spec whose collect step will fill its dataset: the data checks wait.
    setValidity(r.deferred ? '✓ valid (the data is checked after the collect step)' : '✓ valid', 'ok');
    root.querySelector('#validity')?.setAttribute('title', r.deferred || '');
    setShapes(r.layers || []);
  } catch (e) {
    if (seq !== validateSeq) return;
    setShapes([]);
    setValidity(e instanceof ApiError && e.status === 400 ? `✗ ${e.details.length || 1} problem${e.details.length > 1 ? 's' : ''}` : '✗ ' + e.message, 'error');
    if (e instanceof ApiError) showErrors(e.details, e.message);
  }
}

// start sends the JSON view's text as it is: what is on screen is what
// runs. With a syntax error in it nothing is sent.
async function start() {
  const btn = root.querySelector('#start');
  if (jsonProblem) return;
  btn.disabled = true;
  let ok = false;
  try {
    const r = await api('POST', '/api/runs', jsonArea.value);
    ok = true;
    location.hash = '#/runs/' + r.id;
  } catch (e) {
    if (e instanceof ApiError) showErrors(e.details, e.message);
    else showErrors([], e.message);
  } finally {
    if (!ok) btn.disabled = !!jsonProblem;
  }
}

async function loadFiles() {
  try { files = await api('GET', '/api/files'); } catch { files = { files: [] }; }
}

async function loadStored() {
  try { stored = ((await api('GET', '/api/datasets')).datasets || []).filter((d) => d.kind === 'images'); } catch { stored = []; }
}

// parseDatasetSource splits "dataset:NAME[:LABEL,LABEL]" as the server's
// source.ParseDataset does (labels trimmed).
function parseDatasetSource(t) {
  const rest = String(t).slice('dataset:'.length);
  const cut = rest.indexOf(':');
  if (cut < 0) return { name: rest, labels: [] };
  return { name: rest.slice(0, cut), labels: rest.slice(cut + 1).split(',').map((l) => l.trim()).filter((l) => l) };
}

// datasetSource is the dataset choice and, once its labels are loaded, a
// checkbox per label: none checked trains on every label, some checked on
// those only ("dataset:NAME:L1,L2").
function datasetSource(d) {
  const cur = parseDatasetSource(d.train);
  const set = (name, labels) => { d.train = 'dataset:' + name + (labels.length ? ':' + labels.join(',') : ''); };
  const sel = el('select', { name: 'data.train', onchange: () => { set(sel.value, []); redraw(); } },
    el('option', { value: '', text: stored.length ? 'choose a dataset' : 'no stored datasets yet: create one on the Datasets page' }),
    stored.map((s) => el('option', { value: s.name, text: `${s.name} (${s.items} images)` })));
  if (cur.name && !stored.some((s) => s.name === cur.name)) sel.append(el('option', { value: cur.name, text: cur.name }));
  sel.value = cur.name;
  const parts = [field('dataset', 'data.train', sel)];
  if (!cur.name) return parts;
  const labels = storedLabels.get(cur.name);
  if (!labels) {
    storedLabels.set(cur.name, api('GET', '/api/datasets/' + encodeURIComponent(cur.name))
      .then((r) => { storedLabels.set(cur.name, r.labels || []); })
      .catch(() => { storedLabels.set(cur.name, []); })
      .then(() => { if (sourceKind(spec.data && spec.data.train) === 'dataset') redraw(); }));
  }
  if (!Array.isArray(labels)) {
    parts.push(el('p', { class: 'muted small', text: 'Loading the labels…' }));
    return parts;
  }
  const names = labels.map((l) => l.label);
  for (const l of cur.labels) if (!names.includes(l)) names.push(l); // a label the spec names that the dataset lacks: the server says so
  const box = el('fieldset', { class: 'label-pick', dataset: { field: 'data.train.labels' } },
    el('legend', { text: 'labels (none checked: all)' }),
    names.map((n, i) => {
      const count = labels.find((l) => l.label === n);
      const id = 'train-label-' + i;
      return el('span', { class: 'label-pick-item' },
        el('input', { type: 'checkbox', id, name: 'data.train.label', value: n, checked: cur.labels.includes(n), onchange: () => {
          const chosen = [...box.querySelectorAll('input[type=checkbox]')].filter((c) => c.checked).map((c) => c.value);
          set(cur.name, chosen);
          changed();
        } }),
        el('label', { for: id, text: count ? `${n} (${count.items})` : `${n} (not in the dataset)` }));
    }));
  parts.push(box);
  const sm = cached(datasetSamples, cur.name, async () => {
    const out = [];
    for (const l of labels.slice(0, 50)) {
      const r = await api('GET', `/api/datasets/${encodeURIComponent(cur.name)}/items?limit=4&label=${encodeURIComponent(l.label)}`);
      out.push({ name: l.label, count: l.items, thumbs: (r.items || []).map((it) => `/api/datasets/${encodeURIComponent(cur.name)}/items/${encodeURIComponent(it.id)}/thumbnail?size=64`) });
    }
    return { classes: out };
  });
  if (sm && sm.classes) parts.push(classGallery(sm.classes));
  return parts;
}

// cached returns what load() resolved to for key (a preview, samples),
// starting it the first time and redrawing the form when it lands; null
// while it loads, {error} when it failed.
function cached(map, key, load) {
  const v = map.get(key);
  if (v && !(v instanceof Promise)) return v;
  if (!v) {
    map.set(key, load().then((r) => { map.set(key, r); }, (e) => { map.set(key, { error: e.message }); }).then(() => { if (root && root.isConnected) redraw(); }));
  }
  return null;
}

// csvPreviewTable shows a CSV's first rows under its columns and their
// kinds (number, text, empty: from the first rows the server read).
function csvPreviewTable(pv) {
  return el('div', { class: 'csv-preview', id: 'csv-preview' },
    el('div', { class: 'muted small', text: `first ${pv.rows.length} rows; column kinds from ${pv.scanned}${pv.more ? '+' : ''} rows` }),
    el('div', { class: 'table-scroll' }, el('table', { class: 'preview' },
      el('thead', {}, el('tr', {}, pv.columns.map((c) => el('th', { dataset: { type: c.type }, title: `${c.type}, ${c.distinct > 1000 ? '1000+' : c.distinct} distinct, ${c.missing} missing` }, c.name, el('br'), el('small', { class: 'muted', text: c.type }))))),
      el('tbody', {}, pv.rows.map((r) => el('tr', {}, r.map((v) => el('td', { text: v.length > 24 ? v.slice(0, 23) + '…' : v }))))))));
}

// classGallery shows classes ({name, count, thumbs: [src]}) with their
// image counts and a few thumbnails each.
function classGallery(list) {
  return el('div', { class: 'class-gallery', id: 'class-gallery' },
    el('div', { class: 'muted small', text: `${list.length} classes, ${list.reduce((a, c) => a + c.count, 0)} images` }),
    el('ul', {}, list.map((c) => el('li', { class: 'class-row', dataset: { class: c.name } },
      el('span', { class: 'class-name', text: `${c.name} (${c.count})` }),
      el('span', { class: 'class-thumbs' }, c.thumbs.map((src, i) => el('img', { src, width: 40, height: 40, loading: 'lazy', alt: `${c.name} sample ${i + 1}` })))))));
}

// ---- saved specs ----

function savedSpecs() {
  try { return JSON.parse(localStorage.getItem(SAVED_KEY) || '{}'); } catch { return {}; }
}

function savedBar() {
  const saved = savedSpecs();
  const sel = el('select', { name: 'saved', title: 'specs saved in this browser', 'aria-label': 'specs saved in this browser' },
    el('option', { value: '', text: Object.keys(saved).length ? 'saved specs…' : 'no saved specs' }),
    Object.keys(saved).sort().map((k) => el('option', { value: k, text: k })));
  const file = el('input', { type: 'file', accept: '.json,application/json', class: 'hidden', onchange: async () => {
    const f = file.files[0];
    if (!f) return;
    try { setSpec(JSON.parse(await f.text())); } catch (e) { showErrors([], `${f.name}: ${e.message}`); }
    file.value = '';
  } });
  const rebuild = () => { const bar = savedBar(); root.querySelector('.saved-bar').replaceWith(bar); };
  return el('div', { class: 'saved-bar' }, sel,
    el('button', { type: 'button', text: 'Load', onclick: () => { if (sel.value && saved[sel.value]) setSpec(saved[sel.value]); } }),
    el('button', { type: 'button', text: 'Save', title: 'save under the model name in this browser', onclick: () => {
      const all = savedSpecs();
      all[spec.name || 'unnamed'] = spec;
      localStorage.setItem(SAVED_KEY, JSON.stringify(all));
      rebuild();
    } }),
    el('button', { type: 'button', text: 'Delete', onclick: () => {
      if (!sel.value) return;
      const all = savedSpecs();
      delete all[sel.value];
      localStorage.setItem(SAVED_KEY, JSON.stringify(all));
      rebuild();
    } }),
    el('button', { type: 'button', text: 'Download JSON', onclick: () => download((spec.name || 'spec') + '.json', JSON.stringify(spec, null, 2) + '\n') }),
    el('button', { type: 'button', text: 'Open JSON…', onclick: () => file.click() }), file);
}

function setSpec(s) {
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new Error('a spec is a JSON object');
  spec = s;
  lastShapes = [];
  redraw();
}

// renderForm draws the New run page into main.
export async function renderForm(main) {
  root = main;
  cat = await classes();
  await Promise.all([loadFiles(), loadStored()]);
  storedLabels.clear();
  let initial = null;
  const pending = sessionStorage.getItem(LOAD_KEY);
  if (pending) {
    sessionStorage.removeItem(LOAD_KEY);
    try { initial = JSON.parse(pending); } catch { initial = null; }
  }
  if (!initial) { try { initial = JSON.parse(sessionStorage.getItem('mlforge.draft') || 'null'); } catch { initial = null; } }
  spec = initial && typeof initial === 'object' ? initial : defaultSpec(false);
  lastShapes = [];

  formBox = el('form', { id: 'spec-form', class: 'spec-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); start(); } });
  jsonArea = el('textarea', { id: 'spec-json', spellcheck: 'false', name: 'json', 'aria-label': 'spec as JSON', 'aria-describedby': 'json-status', oninput: () => {
    let v;
    try { v = JSON.parse(jsonArea.value); } catch (e) {
      setJSONProblem(jsonPosition(jsonArea.value, e).text);
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      setJSONProblem('line 1, column 1: a spec is a JSON object');
      return;
    }
    setJSONProblem(null);
    spec = v;
    redraw(true);
  } });
  errorBox = el('div', { id: 'form-errors', class: 'errors hidden' });
  clear(main).append(
    el('div', { class: 'toolbar' },
      el('h1', { text: 'New run' }),
      savedBar(),
      el('span', { class: 'grow' }),
      el('span', { id: 'validity', role: 'status', 'aria-live': 'polite' }),
      el('button', { type: 'button', text: 'Reset', onclick: () => setSpec(defaultSpec(isNetwork(), taskOf())) }),
      el('button', { type: 'submit', id: 'start', class: 'primary', form: 'spec-form', text: 'Start run' })),
    errorBox,
    el('div', { class: 'form-layout' },
      formBox,
      el('aside', { class: 'json-view' },
        el('div', { class: 'json-head' }, el('strong', { text: 'Spec (JSON)' }), el('span', { id: 'json-status', class: 'error small', role: 'status' })),
        jsonArea)),
    el('datalist', { id: 'dl-auto' }, el('option', { value: 'auto' })),
    el('datalist', { id: 'dl-nlabels' }, el('option', { value: 'n_labels' })),
    el('datalist', { id: 'dl-auto-nlabels' }, el('option', { value: 'auto' }), el('option', { value: 'n_labels' })));
  redraw();
  formBox.dataset.ready = '1';
  return () => clearTimeout(validateTimer);
}
