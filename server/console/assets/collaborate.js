// The collaborating technician's page (/collaborate, seed 004). The invitation's link carries
// its token in the fragment (never sent to any server log); without one the technician types
// the invitation's PIN. Redeeming sets an HttpOnly cookie for /ws/collaborator, which welcomes
// this page into the one session the invitation was for. The customer's phone then offers a
// peer connection of this page's own, answered here as the console answers its call
// (answerer.js); the microphone goes into it only if the lead allowed talking. Controls the lead did not allow are not shown, and the server refuses them anyway.
import { $, el } from './dom.js';
import { api, refusal } from './api.js';
import { showMessage, clearMessage } from './message.js';
import { iceErrorSentence, safeIceUrl } from './ice.js';
import { createAnswerer } from './answerer.js';
import { logLine } from './log-words.js';
import './invite.js';

const PROTOCOL_VERSION = 1;
const RECONNECT_MS = 2000;
const TOKEN = /^[0-9a-f]{64}$/;
const STATUS_TEXT = { active: 'Active', on_hold: 'On hold – the lead technician paused the session', closed: 'Closed' };

const page = {
  socket: null,
  // Set once the server said the collaboration is over: no reconnecting after that.
  over: false,
  welcomed: false,
  // Reconnections refused in a row.
  refusals: 0,
  sessionId: null,
  status: null,
  permissions: {},
  pausedBy: null,
  torchOn: false,
  // The peer connection for the customer's current offer, and what belongs to it.
  peer: null,
  mic: null,
};

function send(message) {
  const ws = page.socket;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(Object.assign({ v: PROTOCOL_VERSION }, message)));
  return true;
}

// ---- joining -------------------------------------------------------------------------

async function redeem(body) {
  let result;
  try {
    result = await api('api/collaborate/join', body);
  } catch (error) {
    showMessage('Cannot reach the Lens server: ' + error.message);
    showJoin();
    return;
  }
  if (!result.ok) {
    showMessage(refusal(result, 'This invitation could not be used.'));
    showJoin();
    return;
  }
  clearMessage();
  connect();
}

function showJoin() {
  if (page.over) return;
  $('collab-join').hidden = false;
  $('collab-session').hidden = true;
  $('collab-pin').focus();
}

$('collab-pin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  $('collab-join').hidden = true;
  redeem({ pin: $('collab-pin').value.trim() });
});

// ---- the socket ----------------------------------------------------------------------

function socketUrl() {
  const url = new URL('ws/collaborator', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

function connect() {
  const ws = new WebSocket(socketUrl());
  page.socket = ws;
  let opened = false;
  ws.onopen = () => { opened = true; };
  ws.onmessage = (event) => {
    if (page.socket !== ws) return;
    let message;
    try { message = JSON.parse(event.data); } catch (_) { return; }
    const handler = HANDLERS[message.type];
    if (handler) handler(message);
  };
  ws.onclose = () => {
    if (page.socket !== ws) return;
    page.socket = null;
    closePeer();
    if (page.over) return;
    // Before any welcome, a refusal means no seat for this browser: an invitation is needed.
    if (!page.welcomed) { showJoin(); return; }
    // A seat that is gone (the session ended or the lead removed it while this page was
    // away) refuses the socket; a server that is down does too, so only a few times in a row.
    page.refusals = opened ? 0 : page.refusals + 1;
    if (page.refusals >= 3) {
      onEnded({ message: 'This collaboration is over: the session ended or you were removed.' });
      return;
    }
    $('collab-call-state').textContent = 'Reconnecting…';
    setTimeout(() => { if (!page.over) connect(); }, RECONNECT_MS);
  };
}

function onWelcome(message) {
  page.welcomed = true;
  page.sessionId = message.session_id;
  $('collab-join').hidden = true;
  $('collab-session').hidden = false;
  $('collab-customer').textContent = message.customer_name;
  $('collab-lead').textContent = message.lead_name;
  $('collab-note').textContent = message.note || '';
  $('collab-note-row').hidden = !message.note;
  setStatus(message.status);
  setPermissions(message.permissions || {});
}

function setStatus(status) {
  page.status = status;
  $('collab-status').textContent = STATUS_TEXT[status] || status;
  $('collab-status').dataset.status = status;
  // On hold the phone stops sending; a fresh offer comes when the lead resumes.
  if (status !== 'active') closePeer();
  update();
}

function setPermissions(permissions) {
  const hadTalk = !!page.permissions.talk;
  page.permissions = permissions;
  $('collab-camera').hidden = !permissions.camera_controls;
  $('collab-talk').hidden = !permissions.talk;
  $('collab-log-open').hidden = !permissions.session_log;
  $('session-invite').hidden = !permissions.invite;
  if (!permissions.invite) $('invite').hidden = true;
  if (!permissions.session_log) $('collab-log').hidden = true;
  // Without talk the microphone is released at once; the phone replaces the connection.
  if (hadTalk && !permissions.talk) releaseMic();
  update();
}

function onEnded(message) {
  page.over = true;
  closePeer();
  releaseMic();
  $('collab-session').hidden = true;
  $('collab-join').hidden = true;
  $('collab-ended').hidden = false;
  $('collab-ended-text').textContent = message.message;
  $('collab-ended').dataset.reason = message.reason || 'removed';
}

// ---- the peer connection ---------------------------------------------------------------

async function microphone() {
  if (!page.permissions.talk) return null;
  if (page.mic) return page.mic;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
  try {
    page.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
    return page.mic;
  } catch (error) {
    showMessage('Microphone not available (' + error.name + '); the customer will not hear you.', 'info');
    return null;
  }
}

function releaseMic() {
  if (page.mic) for (const track of page.mic.getTracks()) track.stop();
  page.mic = null;
}

// Each offer from the customer's phone is a new connection for this page (its first, after
// a resume, after a change of talk, or after its socket came back).
function onOffer(message) {
  if (typeof message.sdp !== 'string') return;
  closePeer();
  const errorsSeen = new Set();
  const answerer = createAnswerer(message.ice, {
    // Only with talk: otherwise nothing of this computer's sound leaves it.
    prepare: async (pc) => {
      const mic = await microphone();
      if (mic && page.permissions.talk) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
    },
    sendAnswer: (sdp) => send({ type: 'answer', sdp }),
    sendCandidate: (init) => send({ type: 'candidate', candidate: init }),
    answered: () => update(),
    failed: (error) => showMessage('Could not connect the video: ' + error.message),
  });
  page.peer = answerer;
  const { pc } = answerer;
  const remote = new MediaStream();
  $('collab-video').srcObject = remote;
  pc.ontrack = (event) => {
    remote.addTrack(event.track);
    $('collab-video').play().catch(() => {});
  };
  pc.onconnectionstatechange = () => { if (page.peer === answerer) update(); };
  pc.onicecandidateerror = (event) => {
    if (page.peer !== answerer) return;
    const url = safeIceUrl(event.url);
    const code = Number(event.errorCode) || 0;
    if (errorsSeen.has(url + ' ' + code)) return;
    errorsSeen.add(url + ' ' + code);
    const text = String(event.errorText || '').trim().replace(/\.+$/, '').slice(0, 200);
    send({ type: 'ice_server_error', url, code, text });
    console.warn('Lens:', iceErrorSentence(url, code, text));
  };
  update();
  answerer.negotiate(message.sdp);
}

function onCandidate({ candidate }) {
  if (!page.peer || !candidate || typeof candidate.candidate !== 'string') return;
  page.peer.addRemoteCandidate({ candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex });
}

function closePeer() {
  const answerer = page.peer;
  page.peer = null;
  if (answerer) answerer.close();
  $('collab-video').srcObject = null;
  page.pausedBy = null;
  update();
}

// ---- controls ------------------------------------------------------------------------

function cameraControl(control) {
  $('collab-refused').hidden = true;
  send({ type: 'camera_control', control });
}

function update() {
  const pc = page.peer && page.peer.pc;
  let text = 'Waiting for the customer\'s video';
  if (page.status === 'on_hold') text = 'On hold';
  else if (pc && pc.connectionState === 'connected') text = 'Connected';
  else if (pc && pc.connectionState === 'failed') text = 'Video connection failed';
  else if (pc) text = 'Connecting video…';
  $('collab-call-state').textContent = text;
  $('collab-call-state').dataset.state = pc ? pc.connectionState : 'none';
  const live = !!pc && page.status === 'active';
  for (const id of ['collab-video-toggle', 'collab-switch-camera', 'collab-torch']) $(id).disabled = !live;
  // Invitations are for an active session only (the server says so too).
  $('session-invite').disabled = page.status !== 'active';
  $('session-invite').dataset.sessionId = page.sessionId || '';
  $('collab-video-toggle').textContent = page.pausedBy ? 'Resume video' : 'Pause video';
  $('collab-torch').setAttribute('aria-pressed', String(page.torchOn));
  $('collab-paused').hidden = !page.pausedBy;
  const muted = !!page.mic && page.mic.getAudioTracks().some((t) => !t.enabled);
  $('collab-talk').textContent = muted ? 'Unmute microphone' : 'Mute microphone';
  $('collab-talk').dataset.muted = String(muted);
}

$('collab-video-toggle').addEventListener('click', () => cameraControl(page.pausedBy ? 'resume_video' : 'pause_video'));
$('collab-switch-camera').addEventListener('click', () => cameraControl('switch_camera'));
$('collab-torch').addEventListener('click', () => {
  page.torchOn = !page.torchOn;
  cameraControl(page.torchOn ? 'torch_on' : 'torch_off');
  update();
});
$('collab-talk').addEventListener('click', () => {
  if (!page.mic) return;
  for (const track of page.mic.getAudioTracks()) track.enabled = !track.enabled;
  update();
});
$('collab-leave').addEventListener('click', () => {
  send({ type: 'leave' });
  onEnded({ message: 'You left the session.', reason: 'left' });
});
$('collab-log-open').addEventListener('click', async () => {
  if (!page.sessionId) return;
  const result = await api('api/sessions/' + encodeURIComponent(page.sessionId) + '/log');
  if (!result.ok) { showMessage(refusal(result, 'The session log could not be read.')); return; }
  $('collab-log').replaceChildren(...result.data.map((entry) => {
    const li = el('li', { testid: 'collab-log-entry' }, new Date(entry.at).toLocaleTimeString(), ' ', logLine(entry));
    li.dataset.event = entry.event;
    return li;
  }));
  $('collab-log').hidden = false;
});
$('collab-video').addEventListener('click', () => { $('collab-video').play().catch(() => {}); });

const HANDLERS = {
  welcome: onWelcome,
  status: ({ status }) => setStatus(status),
  offer: onOffer,
  candidate: onCandidate,
  permissions: ({ permissions }) => setPermissions(permissions || {}),
  media_state: ({ video_paused: paused, paused_by: by }) => {
    page.pausedBy = paused ? (by || 'customer') : null;
    $('collab-paused').textContent = page.pausedBy === 'technician' ? 'Paused by a technician' : 'Paused – the customer paused the video';
    update();
  },
  control_refused: ({ message }) => {
    $('collab-refused').textContent = 'Not done: ' + message;
    $('collab-refused').hidden = false;
  },
  refused: ({ message }) => {
    $('collab-refused').textContent = message;
    $('collab-refused').hidden = false;
  },
  ended: onEnded,
};

// For tests: the page's state and its peer connection.
window.lensCollab = {
  get pc() { return page.peer ? page.peer.pc : null; },
  get status() { return page.status; },
  get permissions() { return Object.assign({}, page.permissions); },
  get welcomed() { return page.welcomed; },
  get over() { return page.over; },
  async stats() { return page.peer ? page.peer.pc.getStats() : null; },
  // A hand-made frame, as a modified page could send: the server is what refuses.
  send(message) { return send(message); },
};

// The link's token: redeemed once, then dropped from the address (a reload uses the cookie).
const fragment = window.location.hash.slice(1);
if (TOKEN.test(fragment)) {
  history.replaceState(null, '', window.location.pathname);
  redeem({ token: fragment });
} else {
  // Perhaps this browser already holds a seat (a reload): the socket says.
  connect();
}
