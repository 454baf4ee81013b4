// util.js: DOM building (text is always set as text, never parsed as HTML),
// the API client with the token prompt, and formatting helpers.

import { createSession } from './session.js';

// el creates an element. attrs: class, text, on<event> handlers, dataset,
// value/checked/selected (set as properties, after the children), anything
// else as an attribute. Children are nodes or strings (added as text).
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  const props = {};
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = String(v);
      else if (k === 'dataset') Object.assign(e.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
      else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'disabled') props[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  Object.assign(e, props);
  return e;
}

// clear removes every child of node.
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// ApiError is a non-2xx answer of the API, with its JSON error fields.
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.field = e.field || '';
    this.details = e.details || (e.field ? [{ field: e.field, message: e.message }] : []);
  }
}

let tokenWait = null;

// askToken shows the token prompt once (however many requests wait on it)
// and resolves when the server has taken the typed token and set its
// cookie (the page's cookie may have gone, or the token changed).
export function askToken() {
  if (tokenWait) return tokenWait;
  tokenWait = new Promise((resolve) => {
    const input = el('input', { type: 'password', id: 'token-input', autocomplete: 'current-password', required: true, size: 40 });
    const error = el('p', { class: 'error', id: 'token-error', hidden: true });
    const box = el('div', { class: 'overlay', id: 'token-prompt' },
      el('form', { class: 'dialog', onsubmit: async (ev) => {
        ev.preventDefault();
        const t = input.value.trim();
        if (!t) return;
        const problem = await createSession(t);
        if (problem) {
          error.textContent = problem;
          error.hidden = false;
          return;
        }
        box.remove();
        tokenWait = null;
        resolve();
      } },
      el('h2', { text: 'API token' }),
      el('p', { text: 'This service needs its API token (printed by `mlforge serve` when it generated one, or set with --token).' }),
      input, ' ', el('button', { type: 'submit', text: 'Continue' }), error));
    document.body.append(box);
    input.focus();
  });
  return tokenWait;
}

// api calls the JSON API. body (an object) is sent as JSON, a string as it
// is (JSON text); a FormData is sent as multipart. A 401 shows the token
// prompt and retries.
export async function api(method, path, body) {
  for (;;) {
    const opts = { method, credentials: 'same-origin', headers: {} };
    if (body instanceof FormData) opts.body = body;
    else if (typeof body === 'string') {
      opts.body = body;
      opts.headers['Content-Type'] = 'application/json';
    } else if (body !== undefined) {
      opts.body = JSON.stringify(body);
      opts.headers['Content-Type'] = 'application/json';
    }
    const resp = await fetch(path, opts);
    if (resp.status === 401) {
      await askToken();
      continue;
    }
    if (resp.status === 204) return null;
    let data = null;
    const text = await resp.text();
    try { data = text ? JSON.parse(text) : null; } catch { data = { error: { message: text } }; }
    if (!resp.ok) throw new ApiError(resp.status, data);
    return data;
  }
}

// Formatting.
export function fmtNum(v) {
  if (v == null || Number.isNaN(v)) return '–';
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return v.toFixed(4).replace(/\.?0+$/, '');
}

export function fmtDuration(s) {
  if (s == null) return '–';
  if (s < 0) return fmtNum(s) + ' s';
  if (s === 0) return '0 s';
  if (s < 1e-3) return (s * 1e6).toPrecision(2).replace(/\.0+$/, '') + ' µs';
  if (s < 1) return (s * 1000).toPrecision(s < 0.01 ? 2 : 3).replace(/\.0+$/, '') + ' ms';
  if (s < 60) return s.toFixed(1) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

// mainMetric picks the metric a run is known by: accuracy, r2, or the first.
export function mainMetric(metrics) {
  if (!metrics) return null;
  for (const k of ['accuracy', 'r2', 'f1_macro', 'mean_squared_error']) if (k in metrics) return [k, metrics[k]];
  const keys = Object.keys(metrics).sort();
  return keys.length ? [keys[0], metrics[keys[0]]] : null;
}

export function statusBadge(status) {
  return el('span', { class: 'badge status-' + String(status).replace(/[^a-z]/g, ''), text: status });
}

// download saves text as a file through a temporary object URL.
export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let classesCache = null;

// classes fetches GET /api/classes once.
export function classes() {
  if (!classesCache) classesCache = api('GET', '/api/classes').catch((e) => { classesCache = null; throw e; });
  return classesCache;
}

// eventsURL is the SSE address of a run (the token travels in the cookie).
export function eventsURL(id) {
  return '/api/runs/' + encodeURIComponent(id) + '/events';
}
