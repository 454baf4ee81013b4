// models.js: the Models page. A model is a name; its versions are the
// succeeded runs of that name, newest first (the one /api/models/NAME
// serves). Each version links to its run page (which predicts with it)
// and downloads its own file.

import { el, clear, api, fmtNum, fmtTime, mainMetric } from './util.js';

export function renderModels(main) {
  const box = el('div', { id: 'models' }, el('p', { class: 'muted', text: 'Loading…' }));
  clear(main).append(el('div', { class: 'toolbar' }, el('h1', { text: 'Models' })), box);
  let stopped = false;
  api('GET', '/api/runs?status=succeeded&limit=500').then((r) => {
    if (stopped) return;
    const byName = new Map();
    for (const run of r.runs || []) {
      if (!byName.has(run.name)) byName.set(run.name, []);
      byName.get(run.name).push(run);
    }
    clear(box);
    if (!byName.size) {
      box.append(el('p', { class: 'muted', text: 'No trained models yet: a run that succeeds makes one.' }));
      return;
    }
    for (const [name, versions] of [...byName].sort((a, b) => a[0].localeCompare(b[0]))) {
      box.append(el('section', { class: 'model-card', dataset: { name } },
        el('h3', {}, name, ' ', el('span', { class: 'muted small', text: `${versions.length} version${versions.length > 1 ? 's' : ''} · ${versions[0].class} · /api/models/${name} serves the newest` })),
        el('div', { class: 'table-scroll' }, el('table', { class: 'metrics-table' },
          el('thead', {}, el('tr', {}, ['version', 'run', 'finished', 'main metric', ''].map((h) => el('th', { text: h })))),
          el('tbody', {}, versions.map((v, i) => {
            const mm = mainMetric(v.metrics);
            return el('tr', { dataset: { id: v.id } },
              el('td', { text: String(versions.length - i) + (i === 0 ? ' (newest)' : '') }),
              el('td', {}, el('a', { href: '#/runs/' + v.id, title: 'run page: metrics and predict', text: v.id })),
              el('td', { text: fmtTime(v.finished_at || v.created_at) }),
              el('td', { text: mm ? `${mm[0]} ${fmtNum(mm[1])}` : '–' }),
              el('td', {}, el('a', { class: 'button', href: `/api/runs/${v.id}/model`, download: `${name}-${v.id}.safetensors`, text: 'Download' })));
          }))))));
    }
    if (r.next) box.append(el('p', { class: 'muted small', text: 'Showing the models of the newest 500 succeeded runs.' }));
  }).catch((e) => { if (!stopped) clear(box).append(el('div', { class: 'errors', text: e.message })); });
  return () => { stopped = true; };
}
