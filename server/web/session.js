// session.js: exchanges the API token for the page's cookie.

// createSession sends token to POST /api/session; the answer sets the
// cookie that carries it from then on. It resolves to null on success and
// to a message saying what went wrong otherwise.
export async function createSession(token) {
  let resp;
  try {
    resp = await fetch('/api/session', { method: 'POST', credentials: 'same-origin', headers: { Authorization: 'Bearer ' + token } });
  } catch (e) {
    return 'Cannot reach the server: ' + e.message;
  }
  if (resp.ok) return null;
  if (resp.status === 401) return 'Wrong token.';
  let msg = 'HTTP ' + resp.status;
  try { msg = (await resp.json()).error.message || msg; } catch { /* not JSON */ }
  return msg;
}
