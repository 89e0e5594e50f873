// The console's WebSocket (core/src/signal/technician.rs, spoken by hand): every frame is
// {"v": 1, "type": ..., ...}. Modules register what they do with each type in the dispatch
// table (`handle`); a type nobody handles is ignored, so a newer server keeps working.
import { showMessage } from './message.js';
import { api } from './api.js';
import { on } from './bus.js';
import { showLogin, SIGN_IN_ENDED } from './auth.js';
import { $ } from './dom.js';

const PROTOCOL_VERSION = 1;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10000;
// The server closes with this code when the sign-in behind the socket has ended.
const CLOSE_SIGNED_OUT = 4401;

const handlers = new Map();
let socket = null;
let signedOut = true;
let reconnectDelay = RECONNECT_MIN_MS;
let reconnectTimer = null;

/** `handle('offer', (message) => …)`: one handler per message type. */
export function handle(type, handler) {
  handlers.set(type, handler);
}

/** The console's WebSocket, or null while disconnected. */
export const currentSocket = () => socket;

/** Sends a frame; false (and says so) when not connected. */
export function send(message) {
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    showMessage('Not connected to the Lens server; reconnecting…');
    return false;
  }
  socket.send(JSON.stringify(Object.assign({ v: PROTOCOL_VERSION }, message)));
  return true;
}

function socketUrl() {
  const url = new URL('api/technician/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

function setConnectionState(name) {
  const pill = $('connection-state');
  pill.textContent = name;
  pill.className = 'pill pill-' + name;
}

function connect() {
  clearTimeout(reconnectTimer);
  closeSocket();
  const ws = new WebSocket(socketUrl());
  socket = ws;
  setConnectionState('connecting');
  ws.onopen = () => {
    if (socket !== ws) return;
    reconnectDelay = RECONNECT_MIN_MS;
    setConnectionState('online');
  };
  ws.onmessage = (event) => {
    if (socket !== ws) return;
    let message;
    try { message = JSON.parse(event.data); } catch (_) { return; }
    const handler = handlers.get(message.type);
    if (handler) handler(message);
  };
  ws.onclose = (event) => {
    if (socket !== ws) return;
    socket = null;
    setConnectionState('offline');
    if (event.code === CLOSE_SIGNED_OUT) {
      showLogin(SIGN_IN_ENDED);
      return;
    }
    if (!signedOut) scheduleReconnect();
  };
}

function closeSocket() {
  const ws = socket;
  socket = null;
  if (ws) {
    try { ws.close(1000, 'console closed'); } catch (_) { /* already closed */ }
  }
}

// A refused handshake (signed out elsewhere) looks like any other drop; ask the server
// whether the sign-in is still good before trying again.
function scheduleReconnect() {
  const delay = reconnectDelay;
  reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
  reconnectTimer = setTimeout(async () => {
    if (signedOut) return;
    try {
      const me = await api('api/me');
      if (me.status === 401) { showLogin(SIGN_IN_ENDED); return; }
      if (!me.ok) { scheduleReconnect(); return; }
      connect();
    } catch (_) {
      scheduleReconnect();
    }
  }, delay);
}

on('signed-in', () => {
  signedOut = false;
  connect();
});
on('signed-out', () => {
  signedOut = true;
  clearTimeout(reconnectTimer);
  closeSocket();
});
