// predict.js: the predict panel of a succeeded run's page. It predicts with
// THAT run's model (POST /api/runs/ID/predict): table rows typed in a form
// generated from the model's input columns or pasted as CSV, or images
// picked or dropped, and shows each prediction with its top probabilities.

import { el, clear, api, fmtNum } from './util.js';

// parseCSV reads rows of numbers keyed by the model's features. The first
// line may name the columns (any order, the target is ignored); without it
// the cells are in feature order. Empty cells are null (for imputers).
export function parseCSV(textIn, features) {
  const lines = textIn.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (!lines.length) throw new Error('no rows: paste CSV rows, one per line');
  let cols = features;
  const first = lines[0].split(',').map((c) => c.trim());
  if (first.some((c) => c !== '' && !Number.isFinite(Number(c)))) {
    cols = first;
    lines.shift();
  }
  if (!lines.length) throw new Error('only a header line: add rows below it');
  return lines.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== cols.length) throw new Error(`row ${i + 1}: ${cells.length} cells, expected ${cols.length} (${cols.join(', ')})`);
    return rowOf(cells, cols, `row ${i + 1}`);
  });
}

// rowOf turns cells (text) into a row keyed by cols: empty is null (for
// imputers), anything else must be a number.
function rowOf(cells, cols, where) {
  const row = {};
  cells.forEach((raw, j) => {
    const c = raw.trim();
    if (c === '') { row[cols[j]] = null; return; }
    const v = Number(c);
    if (!Number.isFinite(v)) throw new Error(`${where}, column ${cols[j]}: "${c}" is not a number`);
    row[cols[j]] = v;
  });
  return row;
}

function fileBase64(f) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(new Error(`${f.name}: ${r.error && r.error.message}`));
    r.readAsDataURL(f);
  });
}

function results(resp, names) {
  const preds = resp.predictions || [];
  const proba = resp.probabilities;
  const classes = resp.classes || [];
  return el('table', { class: 'metrics-table', id: 'predictions' },
    el('thead', {}, el('tr', {}, el('th', { text: '#' }), names ? el('th', { text: 'input' }) : null,
      el('th', { text: 'prediction' }), proba ? el('th', { text: 'probabilities (top 3)' }) : null)),
    el('tbody', {}, preds.map((p, i) => {
      let top = null;
      if (proba && proba[i]) {
        top = proba[i].map((v, j) => [classes[j], v]).sort((a, b) => b[1] - a[1]).slice(0, 3)
          .map(([c, v]) => `${c} ${fmtNum(v)}`).join(' · ');
      }
      return el('tr', {}, el('td', { text: String(i + 1) }), names ? el('td', { text: names[i] || '' }) : null,
        el('td', { class: 'prediction', text: typeof p === 'number' ? fmtNum(p) : String(p) }), proba ? el('td', { text: top || '' }) : null);
    })));
}

// predictPanel returns the panel of run (a succeeded run), filled in once
// the model's inputs are known.
export function predictPanel(run) {
  const box = el('section', { class: 'predict', id: 'predict', 'aria-labelledby': 'predict-title' },
    el('h3', { id: 'predict-title', text: 'Predict with this run\'s model' }),
    el('p', { class: 'muted small', text: 'loading the model…' }));
  const out = el('div', { class: 'predict-out', 'aria-live': 'polite' });
  const err = el('div', { class: 'errors hidden', role: 'alert' });
  const send = async (body, names) => {
    err.classList.add('hidden');
    clear(out).append(el('p', { class: 'muted small', text: 'predicting…' }));
    try {
      const r = await api('POST', `/api/runs/${run.id}/predict`, Object.assign(body, { proba: true }));
      clear(out).append(results(r, names));
    } catch (e) {
      clear(out);
      clear(err).append(e.message);
      err.classList.remove('hidden');
    }
  };
  const fail = (e) => { clear(err).append(e.message); err.classList.remove('hidden'); };
  api('GET', `/api/runs/${run.id}/model/info`).then((info) => {
    const parts = [];
    const what = info.input === 'images'
      ? `${info.kind} · images, input ${(info.input_shape || []).join('×')}${info.image_mode ? ' (' + info.image_mode + ')' : ''}`
      : `${info.kind} · ${info.features.length} input columns`;
    parts.push(el('p', { class: 'muted small', text: `${info.task} · ${what}${info.classes ? ' · ' + info.classes.length + ' classes' : ''} · ${(info.size / 1024).toFixed(1)} KiB` }));
    if (info.input === 'images') {
      const pick = el('input', { type: 'file', id: 'predict-images', accept: 'image/png,image/jpeg,image/gif', multiple: true });
      const go = async (files) => {
        if (!files.length) return;
        try {
          const imgs = await Promise.all([...files].map(fileBase64));
          send({ images: imgs }, [...files].map((f) => f.name));
        } catch (e) { fail(e); }
      };
      pick.addEventListener('change', () => go(pick.files));
      const drop = el('div', { class: 'drop', text: 'or drop images here' });
      drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
      drop.addEventListener('dragleave', () => drop.classList.remove('over'));
      drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); go(e.dataTransfer.files); });
      parts.push(el('label', { class: 'field', for: 'predict-images' }, el('span', { class: 'label', text: 'images (PNG, JPEG, GIF)' })), pick, drop);
    } else {
      const inputs = info.features.map((f) => el('input', { type: 'text', inputmode: 'decimal', name: 'predict.' + f, id: 'predict-f-' + f, spellcheck: 'false' }));
      const rowForm = el('form', { class: 'predict-row', id: 'predict-row' },
        el('div', { class: 'params' }, info.features.map((f, j) => el('label', { class: 'field' }, el('span', { class: 'label', text: f }), inputs[j]))),
        el('button', { type: 'submit', class: 'primary', text: 'Predict this row' }));
      rowForm.addEventListener('submit', (e) => {
        e.preventDefault();
        try { send({ rows: [rowOf(inputs.map((x) => x.value), info.features, 'the row')] }); } catch (x) { fail(x); }
      });
      const csv = el('textarea', { id: 'predict-csv', rows: 4, spellcheck: 'false', 'aria-label': 'CSV rows to predict', placeholder: info.features.join(',') + '\n…' });
      const csvForm = el('form', { class: 'predict-csv' },
        el('label', { class: 'field', for: 'predict-csv' }, el('span', { class: 'label', text: 'or CSV rows (a header line naming the columns is optional)' })), csv,
        el('button', { type: 'submit', id: 'predict-csv-go', text: 'Predict the rows' }));
      csvForm.addEventListener('submit', (e) => {
        e.preventDefault();
        try { send({ rows: parseCSV(csv.value, info.features) }); } catch (x) { fail(x); }
      });
      parts.push(rowForm, csvForm);
    }
    box.lastChild.replaceWith(...parts);
    box.append(err, out);
  }).catch((e) => { box.lastChild.replaceWith(el('p', { class: 'muted small', text: 'no model to predict with: ' + e.message })); });
  return box;
}
