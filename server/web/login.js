// login.js: the page a browser without the token's cookie gets. It sends
// the typed token once to POST /api/session, which answers with the cookie
// (HttpOnly, SameSite=Strict), then loads the page again.
import { createSession } from './session.js';

const form = document.getElementById('token-form');
const input = document.getElementById('token-input');
const error = document.getElementById('token-error');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const token = input.value.trim();
  if (!token) return;
  error.hidden = true;
  const problem = await createSession(token);
  if (problem) {
    error.textContent = problem;
    error.hidden = false;
    input.select();
    return;
  }
  location.reload();
});
input.focus();
