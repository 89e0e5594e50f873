// The live panel: the customer's video and what the technician does with the call (mute,
// hold, end), the customer's camera (pause/resume video, switch camera, torch) and the
// customer's link statistics, the call's media path (media-path.js) and "Reconnecting…" while
// the path is mended (reconnecting.js).
import { $ } from './dom.js';
import { on } from './bus.js';
import { handle, send } from './socket.js';
import { showMessage } from './message.js';
import { sessionList } from './sessions.js';
import { currentPc, callSession, answerSent, hasMicrophone, endSession, toggleMute } from './call.js';
import { isReconnecting } from './reconnecting.js';
import './media-path.js';
import './transfer.js';
import './invite.js';
import './collaborators.js';

// The customer's camera as its app last said, for one peer connection: a new call or the
// end of one forgets it (the app repeats a pause with its next offer).
const camera = {
  pc: null,
  // Who paused the video ('customer' or 'technician'), or null while it plays.
  pausedBy: null,
  // The torch as last asked for; the app has no torch state to report.
  torchOn: false,
};

function cameraFollowsCall() {
  if (camera.pc === currentPc()) return;
  camera.pc = currentPc();
  camera.pausedBy = null;
  camera.torchOn = false;
  showControlRefusal(null);
}

// Asks the customer's app; its answer comes back as media_state or control_refused.
function cameraControl(control) {
  if (!callSession()) return;
  showControlRefusal(null);
  send({ type: 'camera_control', session_id: callSession(), control });
}

function toggleTorch() {
  camera.torchOn = !camera.torchOn;
  cameraControl(camera.torchOn ? 'torch_on' : 'torch_off');
  update();
}

function showControlRefusal(text) {
  const p = $('control-refused');
  p.textContent = text ? 'Not done: ' + text : '';
  p.hidden = !text;
}

// The customer's video was paused or resumed (by the customer or at this console's
// request); the frozen last picture is then labelled with who paused it.
function onMediaState(message) {
  if (message.session_id !== callSession()) return;
  cameraFollowsCall();
  const pausedBy = message.video_paused ? (message.paused_by || 'customer') : null;
  // A refusal about the old state ("only they can resume it") no longer holds.
  if ((camera.pausedBy === null) !== (pausedBy === null)) showControlRefusal(null);
  camera.pausedBy = pausedBy;
  update();
}

// The customer's app did not do what a camera button asked, and says why.
function onControlRefused(message) {
  if (message.session_id !== callSession()) return;
  if (message.control === 'torch_on' || message.control === 'torch_off') camera.torchOn = false;
  showControlRefusal(message.message);
  update();
}

// The customer's view of the link, sent once a second while live (core's LinkStats).
const QUALITY_WORDS = ['unusable', 'bad', 'poor', 'fair', 'good', 'excellent'];

function showLinkStats({ session_id: sessionId, stats }) {
  if (!stats || sessionId !== callSession()) return;
  const kbps = (n) => (n >= 1000 ? (n / 1000).toFixed(1) + ' Mbit/s' : n + ' kbit/s');
  const set = (id, text) => { document.querySelector(`[data-testid="${id}"]`).textContent = text; };
  set('stat-quality', `${stats.quality}/5 ${QUALITY_WORDS[stats.quality] || ''}`);
  set('stat-resolution', stats.width ? `${stats.width}×${stats.height}` : '–');
  set('stat-fps', `${stats.fps} fps`);
  set('stat-sent', kbps(stats.sent_kbps));
  set('stat-target', kbps(stats.target_kbps));
  set('stat-received', kbps(stats.received_kbps));
  set('stat-rtt', stats.rtt_ms == null ? '–' : `${stats.rtt_ms} ms`);
  set('stat-loss', `${(stats.loss_permille / 10).toFixed(1)} %`);
  const panel = $('link-stats');
  panel.hidden = false;
  panel.dataset.quality = String(stats.quality);
}

function callStateText(pc, active) {
  if (pc && isReconnecting(callSession())) return 'Reconnecting…';
  if (pc) {
    const connection = pc.connectionState;
    if (connection === 'connected') return 'Connected';
    if (connection === 'failed') return 'Video connection failed';
    return answerSent() ? 'Connecting video…' : 'Answering…';
  }
  if (active) return 'Active – waiting for the customer\'s video (use Resume if it does not come)';
  return 'No active session';
}

/** The call state as data-state (and window.lens.callState): none, reconnecting or the
 * pc's connectionState. */
export function callStateName(pc = currentPc()) {
  if (!pc) return 'none';
  return isReconnecting(callSession()) ? 'reconnecting' : pc.connectionState;
}

function update() {
  cameraFollowsCall();
  const pc = currentPc();
  const sessions = sessionList();
  const active = sessions.find((s) => s.status === 'active');
  const showing = callSession() && sessions.find((s) => s.id === callSession());
  const session = showing || active;
  const live = !!(session && session.status === 'active');
  $('live-customer').textContent = session ? '– ' + session.customer_name : '';
  $('call-state').textContent = callStateText(pc, active);
  $('call-state').dataset.state = callStateName(pc);
  $('video-paused').hidden = !(pc && camera.pausedBy);
  $('video-paused').textContent = camera.pausedBy === 'technician'
    ? 'Paused – you paused the video' : 'Paused – the customer paused the video';
  // Camera controls act on the video this console shows, while its session is active.
  const controllable = !!(pc && live && session.id === callSession());
  $('video-toggle').disabled = !controllable;
  $('video-toggle').textContent = camera.pausedBy ? 'Resume video' : 'Pause video';
  $('switch-camera').disabled = !controllable;
  $('torch').disabled = !controllable;
  $('torch').setAttribute('aria-pressed', String(camera.torchOn));
  for (const id of ['session-end', 'session-hold', 'session-transfer', 'session-invite']) {
    $(id).disabled = !live;
    $(id).dataset.sessionId = session ? session.id : '';
  }
  $('mute-mic').disabled = !hasMicrophone();
  if (!pc) $('link-stats').hidden = true;
  if (!hasMicrophone()) showMuted(false);
}

function showMuted(muted) {
  $('mute-mic').textContent = muted ? 'Unmute microphone' : 'Mute microphone';
  $('mute-mic').dataset.muted = String(muted);
}

$('session-end').addEventListener('click', () => {
  const id = $('session-end').dataset.sessionId;
  if (id) endSession(id);
});
$('session-hold').addEventListener('click', () => {
  const id = $('session-hold').dataset.sessionId;
  if (id) send({ type: 'hold', session_id: id });
});
$('mute-mic').addEventListener('click', () => { if (hasMicrophone()) showMuted(toggleMute()); });
$('video-toggle').addEventListener('click', () => cameraControl(camera.pausedBy ? 'resume_video' : 'pause_video'));
$('switch-camera').addEventListener('click', () => cameraControl('switch_camera'));
$('torch').addEventListener('click', toggleTorch);
$('remote-video').addEventListener('click', () => { $('remote-video').play().catch(() => {}); });

handle('media_state', onMediaState);
handle('control_refused', onControlRefused);
handle('stats', showLinkStats);
// The session goes on with what still works; the technician should know why a picture or
// the voice is missing.
handle('device_problem', (message) => {
  showMessage(message.detail ? `${message.message} (${message.detail})` : message.message);
});
on('call-changed', update);
on('sessions', update);
