// Signing in and out. Whoever needs to react (the socket, the call, the dialogs, the admin
// area) listens for signed-in / signed-out; this module knows none of them.
import { $ } from './dom.js';
import { api, refusal } from './api.js';
import { announce } from './bus.js';
import { showMessage, clearMessage } from './message.js';
import { unlockAudio } from './sound.js';

export const SIGN_IN_ENDED = 'Your sign-in has ended. Please sign in again.';
export const UNREACHABLE = 'Cannot reach the Lens server: ';

export function showLogin(reason) {
  announce('signed-out');
  $('console-view').hidden = true;
  $('who').hidden = true;
  $('login-view').hidden = false;
  if (reason) showMessage(reason, 'info');
  $('login-email').focus();
}

function enterConsole(me) {
  $('technician-name').textContent = me.name;
  $('login-view').hidden = true;
  $('who').hidden = false;
  $('console-view').hidden = false;
  announce('signed-in', me);
}

async function onLogin(event) {
  event.preventDefault();
  unlockAudio();
  const submit = $('login-submit');
  submit.disabled = true;
  try {
    const result = await api('api/login', { email: $('login-email').value, password: $('login-password').value });
    if (result.ok) {
      clearMessage();
      $('login-password').value = '';
      enterConsole(result.data);
    } else {
      showMessage(refusal(result, 'Sign-in failed.'));
    }
  } catch (error) {
    showMessage(UNREACHABLE + error.message);
  } finally {
    submit.disabled = false;
  }
}

async function onLogout() {
  try { await api('api/logout', {}); } catch (_) { /* signing out locally anyway */ }
  showLogin('You are signed out.');
}

/** Shows the console if the browser is still signed in, the sign-in form otherwise. */
export async function startAuth() {
  $('login-form').addEventListener('submit', onLogin);
  $('logout').addEventListener('click', onLogout);
  try {
    const me = await api('api/me');
    if (me.ok) enterConsole(me.data);
    else showLogin();
  } catch (error) {
    showLogin();
    showMessage(UNREACHABLE + error.message);
  }
}
