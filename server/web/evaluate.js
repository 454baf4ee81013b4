// evaluate.js: the "test on stored images" panel of a succeeded image
// classifier's run page. It tests THAT run's model on N random stored
// images per label of a dataset (POST /api/runs/ID/evaluate), shows the
// result per label, and lists the evaluations recorded on the run (GET
// /api/runs/ID/evaluations).

import { el, clear, api, fmtNum, fmtTime } from './util.js';

const SHOW = 10; // recorded evaluations listed

export function evaluatePanel(run) {
  const box = el('section', { class: 'predict evaluate', id: 'evaluate', 'aria-labelledby': 'evaluate-title', hidden: true },
    el('h3', { id: 'evaluate-title', text: 'Test on stored images' }));
  const err = el('div', { class: 'errors hidden', role: 'alert' });
  const out = el('div', { id: 'evaluate-result', class: 'predict-out', 'aria-live': 'polite' });
  const past = el('div', { id: 'evaluations' });
  const slot = el('div', { class: 'evaluate-slot' });
  const fail = (e) => { err.textContent = e.message; err.classList.remove('hidden'); };

  const drawPast = async () => {
    const r = await api('GET', `/api/runs/${run.id}/evaluations`);
    const list = (r.evaluations || []).slice(0, SHOW);
    clear(past);
    if (!list.length) return;
    past.append(el('h4', { text: 'Recorded on this run' }), el('div', { class: 'table-scroll' }, el('table', { class: 'metrics-table' },
      el('thead', {}, el('tr', {}, ['when', 'data', 'images', 'accuracy', 'seed'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, list.map((ev) => el('tr', { dataset: { id: ev.id } },
        el('td', { text: fmtTime(ev.created_at) }), el('td', { text: ev.data }), el('td', { text: String(ev.rows) }),
        el('td', { text: fmtNum(ev.metrics && ev.metrics.accuracy) }), el('td', { text: String(ev.seed) })))))));
  };

  const result = (ev) => {
    const rows = ev.labels.map((l) => el('tr', { dataset: { label: l.label } },
      el('th', { scope: 'row', text: l.label }), el('td', { text: String(l.stored) }), el('td', { text: String(l.sampled) }),
      el('td', { text: l.known ? String(l.correct) : '–' }),
      el('td', { text: l.known ? fmtNum(l.sampled ? l.correct / l.sampled : null) : 'not a class of the model' })));
    return [
      el('p', { class: 'small' }, `${ev.rows} images scored from ${ev.data}, at most ${ev.limit} per label, seed ${ev.seed}: `,
        Object.keys(ev.metrics || {}).sort().map((k, i) => [i ? ', ' : '', el('b', { text: `${k} ${fmtNum(ev.metrics[k])}` })])),
      el('div', { class: 'table-scroll' }, el('table', { class: 'metrics-table', id: 'evaluate-labels' },
        el('thead', {}, el('tr', {}, ['label', 'stored', 'sampled', 'correct', 'accuracy'].map((h) => el('th', { scope: 'col', text: h })))),
        el('tbody', {}, rows))),
      ev.unknown_labels && ev.unknown_labels.length
        ? el('p', { class: 'muted small', id: 'evaluate-unknown', text: `Not scored: the model's classes (${ev.classes.join(', ')}) do not include ${ev.unknown_labels.join(', ')}.` }) : null,
      (ev.notes || []).map((n) => el('p', { class: 'muted small', text: n })),
    ];
  };

  api('GET', `/api/runs/${run.id}/model/info`).then(async (info) => {
    if (info.input !== 'images' || !info.classes) return; // only image classifiers
    const r = await api('GET', '/api/datasets');
    const sets = (r.datasets || []).filter((d) => d.kind === 'images' && d.items > 0);
    box.hidden = false;
    if (!sets.length) {
      slot.append(el('p', { class: 'muted small' }, 'No stored datasets with images yet: import one on the ', el('a', { href: '#/datasets', text: 'Datasets page' }), '.'));
      return;
    }
    const sel = el('select', { id: 'evaluate-dataset', name: 'dataset' }, sets.map((d) => el('option', { value: d.name, text: `${d.name} (${d.items} images)` })));
    const labels = el('input', { type: 'text', id: 'evaluate-labels-input', name: 'labels', placeholder: 'all labels', autocomplete: 'off' });
    const limit = el('input', { type: 'number', id: 'evaluate-limit', name: 'limit', min: 1, max: 1000, step: 1, value: '20', required: true });
    const seed = el('input', { type: 'number', id: 'evaluate-seed', name: 'seed', min: 0, step: 1, placeholder: 'random' });
    const go = el('button', { type: 'submit', class: 'primary', id: 'evaluate-start', text: 'Evaluate' });
    // A run trained on a stored dataset: that dataset and labels first.
    const trained = String((run.spec && run.spec.data && run.spec.data.train) || '');
    if (trained.startsWith('dataset:')) {
      const [dsName, dsLabels] = [trained.slice(8).split(':')[0], trained.slice(8).split(':').slice(1).join(':')];
      if (sets.some((d) => d.name === dsName)) { sel.value = dsName; labels.value = dsLabels; }
    }
    const form = el('form', { class: 'evaluate-form', onsubmit: async (e) => {
      e.preventDefault();
      err.classList.add('hidden');
      const chosen = labels.value.split(',').map((l) => l.trim()).filter((l) => l);
      const body = { data: 'dataset:' + sel.value + (chosen.length ? ':' + chosen.join(',') : ''), limit: Number(limit.value) };
      if (seed.value.trim() !== '') body.seed = Number(seed.value);
      go.disabled = true;
      clear(out).append(el('p', { class: 'muted small', text: 'testing…' }));
      try {
        const ev = await api('POST', `/api/runs/${run.id}/evaluate`, body);
        clear(out).append(el('div', {}, result(ev)));
        await drawPast();
      } catch (x) { clear(out); fail(x); } finally { go.disabled = false; }
    } },
    el('div', { class: 'evaluate-row' },
      el('label', { class: 'field', for: 'evaluate-dataset' }, el('span', { class: 'label', text: 'dataset' }), sel),
      el('label', { class: 'field', for: 'evaluate-labels-input' }, el('span', { class: 'label' }, 'labels ', el('small', { text: 'comma-separated' })), labels),
      el('label', { class: 'field', for: 'evaluate-limit' }, el('span', { class: 'label', text: 'images per label' }), limit),
      el('label', { class: 'field', for: 'evaluate-seed' }, el('span', { class: 'label', text: 'seed' }), seed),
      go));
    slot.append(el('p', { class: 'muted small', text: 'Random stored images of each label, the same ones for the same seed; the result is recorded on the run.' }), form);
    return drawPast();
  }).catch((e) => { box.hidden = false; fail(e); });
  box.append(slot, err, out, past);
  return box;
}
