// app.js: the page's router. Hash routes: #/new (the spec form), #/runs
// (the list), #/runs/ID (one run), #/compare?ids=a,b (several runs),
// #/models (trained models and their versions), #/datasets (the stored
// image datasets), #/datasets/NAME?label=L (one dataset's import and
// images).

import { el, clear } from './util.js';
import { renderForm } from './form.js';
import { renderRuns, renderRun, renderCompare } from './runs.js';
import { renderModels } from './models.js';
import { renderDatasets, renderDataset } from './datasets.js';

const main = document.getElementById('app');
let cleanup = null;

async function route() {
  if (cleanup) { try { cleanup(); } catch { /* already gone */ } cleanup = null; }
  const hash = location.hash || '#/runs';
  const [path, qs] = hash.slice(1).split('?');
  const query = new URLSearchParams(qs || '');
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', path.startsWith(a.getAttribute('href').slice(1)));
  delete main.dataset.status;
  delete main.dataset.liveDraws;
  main.className = 'page-' + (path.split('/')[1] || 'runs');
  try {
    const m = path.match(/^\/runs\/([0-9a-f]{21})$/);
    const ds = path.match(/^\/datasets\/([^/]+)$/);
    if (path === '/new') cleanup = await renderForm(main);
    else if (m) cleanup = renderRun(main, m[1]);
    else if (path === '/compare') cleanup = renderCompare(main, query);
    else if (path === '/models') cleanup = renderModels(main);
    else if (path === '/datasets') cleanup = renderDatasets(main);
    else if (ds) cleanup = renderDataset(main, decodeURIComponent(ds[1]), query);
    else cleanup = renderRuns(main, query);
  } catch (e) {
    clear(main).append(el('div', { class: 'errors' }, e.message));
  }
}

window.addEventListener('hashchange', route);
route();
