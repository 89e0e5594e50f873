// Lens technician console. Plain JavaScript, no build step.
//
// Speaks the signalling protocol of core/src/signal.rs by hand: every frame is
// {"v": 1, "type": ..., ...}. The server pushes the whole session list on connect and after
// every change; the customer's app makes the WebRTC offer after Start, this page answers.
//
// For tests: stable ids and data-testid attributes on every control, and window.lens with
// the current RTCPeerConnection (window.lens.pc) and the number of notification sounds
// played (window.lens.soundsPlayed).
'use strict';

(() => {
  const PROTOCOL_VERSION = 1;
  const ICE_GATHERING_TIMEOUT_MS = 3000;
  const RECONNECT_MIN_MS = 500;
  const RECONNECT_MAX_MS = 10000;

  const STATUS_TEXT = {
    pending: 'Pending',
    waiting: 'Waiting',
    active: 'Active',
    closed: 'Closed',
    expired: 'Expired',
    on_hold: 'On hold',
    timed_out: 'Timed out',
  };
  // Same sentences as EndReason::describe in core.
  const END_REASON_TEXT = {
    technician_ended: 'The technician ended the session',
    customer_left: 'The customer left the session',
    eula_declined: 'The customer declined the licence agreement',
    waiting_timed_out: 'The technician did not start the session in time',
    connection_lost: 'The connection was lost',
    media_failed: 'The video connection could not be established',
    pin_expired: 'The PIN expired before it was used',
    idle_timed_out: 'The session was on hold for too long',
  };

  const $ = (id) => document.getElementById(id);

  const state = {
    me: null,
    socket: null,
    signedOut: false,
    reconnectDelay: RECONNECT_MIN_MS,
    reconnectTimer: null,
    sessions: [],
    firstList: true,
    // Ids that have been Waiting at some point, so each session chimes once.
    seenWaiting: new Set(),
    // The call: one peer connection for the session this console is showing.
    pc: null,
    pcSession: null,
    // The session this console just clicked Start on, until its offer arrives.
    startingSession: null,
    startingTimer: null,
    remoteDescriptionSet: false,
    pendingCandidates: [],
    answerSent: false,
    // The customer's video as its app last said (media_state), and who paused it.
    videoPausedBy: null,
    // The torch as last asked for; the app has no torch state to report.
    torchOn: false,
    mic: null,
    micPromise: null,
    audioContext: null,
    soundsPlayed: 0,
    newSessionExpiresAt: 0,
    countdownTimer: null,
    messageTimer: null,
  };

  window.lens = {
    /** The current RTCPeerConnection, or null: `await window.lens.pc.getStats()`. */
    get pc() { return state.pc; },
    /** The session the video belongs to, or null. */
    get activeSessionId() { return state.pcSession; },
    /** The last session list the server sent. */
    get sessions() { return state.sessions.slice(); },
    /** How many "customer is waiting" sounds have played. */
    get soundsPlayed() { return state.soundsPlayed; },
    /** The console's WebSocket, or null while disconnected. */
    get socket() { return state.socket; },
  };

  // new-session.js, session-log.js and admin.js follow the console through these events.
  function announce(name, detail) {
    document.dispatchEvent(new CustomEvent('lens:' + name, { detail }));
  }

  // ---- messages --------------------------------------------------------------------------

  function showMessage(text, kind = 'error') {
    const box = $('message');
    box.textContent = text;
    box.className = kind === 'info' ? 'message info' : 'message';
    box.dataset.kind = kind;
    box.hidden = false;
    clearTimeout(state.messageTimer);
    if (kind === 'info') {
      state.messageTimer = setTimeout(() => { box.hidden = true; }, 6000);
    }
  }

  function clearMessage() {
    clearTimeout(state.messageTimer);
    $('message').hidden = true;
    $('message').textContent = '';
  }

  // ---- HTTP ------------------------------------------------------------------------------

  // Paths are relative so the console also works behind a proxy under a path prefix.
  async function api(path, body, method) {
    const options = { method: method || (body === undefined ? 'GET' : 'POST'), credentials: 'same-origin', headers: {} };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    return { ok: response.ok, status: response.status, data };
  }

  // ---- sign-in ---------------------------------------------------------------------------

  function showLogin(reason) {
    state.me = null;
    state.signedOut = true;
    closeSocket();
    endCall();
    closeNewSession();
    $('console-view').hidden = true;
    $('who').hidden = true;
    announce('signed-out');
    $('login-view').hidden = false;
    if (reason) showMessage(reason, 'info');
    $('login-email').focus();
  }

  function enterConsole(me) {
    state.me = me;
    state.signedOut = false;
    state.firstList = true;
    $('technician-name').textContent = me.name;
    $('login-view').hidden = true;
    $('who').hidden = false;
    $('console-view').hidden = false;
    connect();
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
        showMessage((result.data && result.data.message) || 'Sign-in failed.');
      }
    } catch (error) {
      showMessage('Cannot reach the Lens server: ' + error.message);
    } finally {
      submit.disabled = false;
    }
  }

  async function onLogout() {
    try { await api('api/logout', {}); } catch (_) { /* signing out locally anyway */ }
    showLogin('You are signed out.');
  }

  // ---- the console socket ----------------------------------------------------------------

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
    clearTimeout(state.reconnectTimer);
    closeSocket();
    const socket = new WebSocket(socketUrl());
    state.socket = socket;
    setConnectionState('connecting');
    socket.onopen = () => {
      if (state.socket !== socket) return;
      state.reconnectDelay = RECONNECT_MIN_MS;
      setConnectionState('online');
    };
    socket.onmessage = (event) => {
      if (state.socket !== socket) return;
      let message;
      try { message = JSON.parse(event.data); } catch (_) { return; }
      onServerMessage(message);
    };
    socket.onclose = (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      setConnectionState('offline');
      if (event.code === 4401) {
        showLogin('Your sign-in has ended. Please sign in again.');
        return;
      }
      if (!state.signedOut) scheduleReconnect();
    };
  }

  function closeSocket() {
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      try { socket.close(1000, 'console closed'); } catch (_) { /* already closed */ }
    }
  }

  // A refused handshake (signed out elsewhere) looks like any other drop; ask the server
  // whether the sign-in is still good before trying again.
  function scheduleReconnect() {
    const delay = state.reconnectDelay;
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, RECONNECT_MAX_MS);
    state.reconnectTimer = setTimeout(async () => {
      if (state.signedOut) return;
      try {
        const me = await api('api/me');
        if (me.status === 401) { showLogin('Your sign-in has ended. Please sign in again.'); return; }
        if (!me.ok) { scheduleReconnect(); return; }
        connect();
      } catch (_) {
        scheduleReconnect();
      }
    }, delay);
  }

  function send(message) {
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      showMessage('Not connected to the Lens server; reconnecting…');
      return false;
    }
    socket.send(JSON.stringify(Object.assign({ v: PROTOCOL_VERSION }, message)));
    return true;
  }

  function onServerMessage(message) {
    switch (message.type) {
      case 'sessions':
        renderSessions(message.sessions || []);
        break;
      case 'offer':
        answerOffer(message.session_id, message.sdp);
        break;
      case 'candidate':
        addRemoteCandidate(message.session_id, message.candidate);
        break;
      case 'media_state':
        // The customer's video was paused or resumed (by the customer or at this console's
        // request); the frozen last picture is then labelled.
        if (message.session_id === state.pcSession) {
          // A refusal about the old state ("only they can resume it") no longer holds.
          if (state.videoPaused !== !!message.video_paused) showControlRefusal(null);
          state.videoPaused = !!message.video_paused;
          state.videoPausedBy = state.videoPaused ? (message.paused_by || 'customer') : null;
          updateLivePanel();
        }
        break;
      case 'control_refused':
        // The customer's app did not do what a camera button asked, and says why.
        if (message.session_id === state.pcSession) {
          if (message.control === 'torch_on' || message.control === 'torch_off') state.torchOn = false;
          showControlRefusal(message.message);
          updateLivePanel();
        }
        break;
      case 'refused':
        state.startingSession = null;
        showMessage(message.message);
        break;
      case 'stats':
        showLinkStats(message.session_id, message.stats);
        break;
      case 'device_problem':
        // The session goes on with what still works; the technician should know why a
        // picture or the voice is missing.
        showMessage(message.detail ? `${message.message} (${message.detail})` : message.message);
        break;
      default:
        // A newer server may send more; ignoring keeps this console working.
        break;
    }
  }

  // ---- new session -----------------------------------------------------------------------

  function openNewSession() {
    unlockAudio();
    resetNewSession();
    $('new-session').hidden = false;
    $('new-session-name').focus();
  }

  function closeNewSession() {
    resetNewSession();
    $('new-session').hidden = true;
  }

  // Back to an empty form: the last PIN leaves the page.
  function resetNewSession() {
    clearInterval(state.countdownTimer);
    $('new-session-result').replaceChildren();
    $('new-session-form').hidden = false;
    $('new-session-name').value = '';
  }

  async function onCreateSession(event) {
    event.preventDefault();
    unlockAudio();
    const name = $('new-session-name').value.trim();
    if (!name) { showMessage('Enter the customer\'s name.'); return; }
    const button = $('new-session-create');
    button.disabled = true;
    try {
      const result = await api('api/sessions', { customer_name: name });
      if (result.status === 401) { showLogin('Your sign-in has ended. Please sign in again.'); return; }
      if (!result.ok) { showMessage((result.data && result.data.message) || 'Could not create a session.'); return; }
      clearMessage();
      showNewSession(result.data);
    } catch (error) {
      showMessage('Cannot reach the Lens server: ' + error.message);
    } finally {
      button.disabled = false;
    }
  }

  function element(tag, testid, text, className) {
    const e = document.createElement(tag);
    if (testid) {
      e.id = testid;
      e.setAttribute('data-testid', testid);
    }
    if (text !== undefined) e.textContent = text;
    if (className) e.className = className;
    return e;
  }

  function copyButton(testid, label, text, what) {
    const b = element('button', testid, label, 'secondary');
    b.type = 'button';
    b.addEventListener('click', () => copy(text, what));
    return b;
  }

  function linkRow(label, testid, url, what) {
    const row = element('div', null, undefined, 'link-row');
    row.append(element('span', null, label), element('code', 'new-session-link-' + testid, url, 'link'),
      copyButton('new-session-copy-' + testid, 'Copy', url, what));
    return row;
  }

  // The PIN in large digits and both links, each with a Copy button (seeds 002 and 003).
  function showNewSession(created) {
    const intro = element('p', null, 'PIN for ');
    intro.append(element('strong', 'new-session-customer', created.customer_name));

    const pinRow = element('div', null, undefined, 'pin-row');
    const pin = element('div', 'new-session-pin', created.pin, 'pin');
    pin.dataset.pin = created.pin;
    pin.setAttribute('aria-label', 'PIN');
    pinRow.append(pin, copyButton('new-session-copy-pin', 'Copy PIN', created.pin, 'PIN'));

    const another = element('button', 'new-session-another', 'Create another PIN', 'secondary');
    another.type = 'button';
    another.addEventListener('click', () => { resetNewSession(); $('new-session-name').focus(); });

    $('new-session-form').hidden = true;
    $('new-session-result').dataset.sessionId = created.session_id;
    $('new-session-result').replaceChildren(
      intro,
      pinRow,
      element('p', 'new-session-expires', '', 'hint'),
      linkRow('Mobile link', 'mobile', created.links.mobile, 'Mobile link'),
      linkRow('Desktop link', 'desktop', created.links.desktop, 'Desktop link'),
      element('p', null, 'The customer opens the Lens app and enters the PIN, or taps a link. '
        + 'The session then appears in the list as Waiting.', 'hint'),
      another,
    );
    state.newSessionExpiresAt = created.expires_at;
    clearInterval(state.countdownTimer);
    updateCountdown();
    state.countdownTimer = setInterval(updateCountdown, 1000);
  }

  function updateCountdown() {
    const target = $('new-session-expires');
    if (!target) { clearInterval(state.countdownTimer); return; }
    const left = Math.max(0, Math.round((state.newSessionExpiresAt - Date.now()) / 1000));
    target.textContent = left > 0
      ? 'Valid for ' + Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') + ', for one customer only.'
      : 'This PIN has expired. Create another one.';
    if (left === 0) clearInterval(state.countdownTimer);
  }

  async function copy(text, what) {
    try {
      await navigator.clipboard.writeText(text);
      showMessage(what + ' copied to the clipboard.', 'info');
    } catch (_) {
      showMessage('Copying is not allowed here; select the ' + what.toLowerCase() + ' and press Ctrl+C.', 'info');
    }
  }

  // ---- session list ----------------------------------------------------------------------

  function renderSessions(sessions) {
    state.sessions = sessions;
    let newlyWaiting = false;
    for (const session of sessions) {
      if (session.status === 'waiting' && !state.seenWaiting.has(session.id)) {
        state.seenWaiting.add(session.id);
        // Sessions already waiting when the console opens do not chime.
        if (!state.firstList) newlyWaiting = true;
      }
    }
    state.firstList = false;
    if (newlyWaiting) chime();
    renderRows();
    announce('sessions', sessions);

    // The call ends when its session does, whoever ended it.
    if (state.pcSession) {
      const current = sessions.find((s) => s.id === state.pcSession);
      if (!current || current.status !== 'active') {
        const reason = current && current.end_reason ? END_REASON_TEXT[current.end_reason] : null;
        endCall();
        if (reason) showMessage(reason + '.', 'info');
      }
    }
    updateLivePanel();
  }

  // The rows depend on the list and on which session this console has video for.
  function renderRows() {
    $('session-rows').replaceChildren(...state.sessions.map(sessionRow));
    $('no-sessions').hidden = state.sessions.length > 0;
  }

  function sessionRow(session) {
    const row = document.createElement('tr');
    row.setAttribute('data-testid', 'session-row');
    row.dataset.sessionId = session.id;
    row.dataset.status = session.status;
    row.id = 'session-' + session.id;
    // Selecting a row shows its log (session-log.js).
    row.addEventListener('click', (event) => {
      if (event.target.closest('button')) return;
      announce('session-selected', session);
    });

    const customer = cell(session.customer_name);
    customer.setAttribute('data-testid', 'session-customer');

    const status = document.createElement('td');
    const pill = document.createElement('span');
    pill.className = 'pill status-' + session.status;
    pill.textContent = STATUS_TEXT[session.status] || session.status;
    pill.setAttribute('data-testid', 'session-status');
    status.append(pill);
    if (session.end_reason) {
      const reason = document.createElement('span');
      reason.className = 'reason';
      reason.setAttribute('data-testid', 'session-end-reason');
      reason.dataset.reason = session.end_reason;
      reason.textContent = END_REASON_TEXT[session.end_reason] || session.end_reason;
      status.append(reason);
    }

    const pin = cell(session.pin || '');
    pin.className = 'pin-cell';
    pin.setAttribute('data-testid', 'session-pin');

    const created = cell(new Date(session.created_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));

    const actions = document.createElement('td');
    actions.className = 'actions';
    if (session.status === 'waiting') {
      actions.append(button('Start', 'session-start', '', () => startSession(session.id)));
    }
    if (session.status === 'active' && state.pcSession !== session.id && state.startingSession !== session.id) {
      // This console has no video for it (reloaded, or another tab): ask for a new offer.
      actions.append(button('Resume', 'session-resume', '', () => startSession(session.id)));
    }
    if (session.status === 'on_hold') {
      // Start takes it off hold; the customer sends a new offer.
      actions.append(button('Resume', 'session-unhold', '', () => startSession(session.id)));
    }
    // An active session is ended from the live panel (one End button on the page).
    if (session.status === 'pending' || session.status === 'waiting' || session.status === 'on_hold') {
      const label = session.status === 'pending' ? 'Cancel PIN' : 'End';
      actions.append(button(label, 'session-cancel', 'danger', () => endSession(session.id)));
    }

    row.append(customer, status, pin, created, actions);
    return row;
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text;
    return td;
  }

  function button(label, testid, kind, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = 'small ' + (kind || '');
    b.setAttribute('data-testid', testid);
    b.addEventListener('click', onClick);
    return b;
  }

  // ---- starting, answering, ending -------------------------------------------------------

  function startSession(sessionId) {
    unlockAudio();
    clearMessage();
    // Ask for the microphone now, in the click, so that it is ready (or refused) by the
    // time the customer's offer arrives.
    if (!state.micPromise) state.micPromise = getMicrophone();
    if (send({ type: 'start', session_id: sessionId })) {
      // No Resume button while the customer's offer is on its way; offer it again if the
      // offer never comes.
      state.startingSession = sessionId;
      clearTimeout(state.startingTimer);
      state.startingTimer = setTimeout(() => { state.startingSession = null; renderRows(); }, 10000);
    }
  }

  function endSession(sessionId) {
    if (send({ type: 'end', session_id: sessionId }) && state.pcSession === sessionId) endCall();
  }

  async function getMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      showMessage('This browser cannot use a microphone here (an https address is needed); the customer will not hear you.', 'info');
      return null;
    }
    try {
      state.mic = await navigator.mediaDevices.getUserMedia({ audio: true });
      return state.mic;
    } catch (error) {
      showMessage('Microphone not available (' + error.name + '); the customer will not hear you.', 'info');
      return null;
    }
  }

  async function answerOffer(sessionId, sdp) {
    // A new offer replaces any previous call (the customer reconnected and re-offered).
    closePeer();
    const pc = new RTCPeerConnection({ iceServers: [] });
    state.pc = pc;
    state.pcSession = sessionId;
    state.remoteDescriptionSet = false;
    state.pendingCandidates = [];
    state.answerSent = false;
    state.videoPaused = false;
    state.videoPausedBy = null;
    state.torchOn = false;
    showControlRefusal(null);
    state.startingSession = null;
    clearTimeout(state.startingTimer);
    renderRows();

    const remote = new MediaStream();
    const video = $('remote-video');
    video.srcObject = remote;
    pc.ontrack = (event) => {
      remote.addTrack(event.track);
      video.play().catch(() => {
        showMessage('Click the video to hear the customer.', 'info');
      });
    };
    pc.onconnectionstatechange = () => {
      if (state.pc === pc) updateLivePanel();
    };
    pc.onicecandidate = (event) => {
      // Candidates found after the answer went out (gathering was slow) trickle.
      if (state.pc === pc && state.answerSent && event.candidate) {
        send({ type: 'candidate', session_id: sessionId, candidate: event.candidate.toJSON() });
      }
    };
    updateLivePanel();

    try {
      const mic = await (state.micPromise || (state.micPromise = getMicrophone()));
      if (state.pc !== pc) return;
      // Added before the offer is applied, so the offer's audio m-line takes this track
      // and the answer sends the technician's voice back.
      if (mic) for (const track of mic.getAudioTracks()) pc.addTrack(track, mic);
      await pc.setRemoteDescription({ type: 'offer', sdp });
      state.remoteDescriptionSet = true;
      for (const candidate of state.pendingCandidates.splice(0)) {
        await pc.addIceCandidate(candidate).catch(() => {});
      }
      await pc.setLocalDescription(await pc.createAnswer());
      await iceGatheringDone(pc, ICE_GATHERING_TIMEOUT_MS);
      if (state.pc !== pc) return;
      send({ type: 'answer', session_id: sessionId, sdp: pc.localDescription.sdp });
      state.answerSent = true;
      updateLivePanel();
    } catch (error) {
      if (state.pc === pc) showMessage('Could not connect the video: ' + error.message);
    }
  }

  function iceGatheringDone(pc, timeoutMs) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        resolve();
      };
      const check = () => { if (pc.iceGatheringState === 'complete') done(); };
      const timer = setTimeout(done, timeoutMs);
      pc.addEventListener('icegatheringstatechange', check);
    });
  }

  function addRemoteCandidate(sessionId, candidate) {
    if (!state.pc || state.pcSession !== sessionId || !candidate) return;
    const init = { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex };
    if (!state.remoteDescriptionSet) {
      state.pendingCandidates.push(init);
      return;
    }
    state.pc.addIceCandidate(init).catch((error) => {
      console.warn('Lens: ignoring a remote candidate', error);
    });
  }

  function closePeer() {
    if (state.pc) {
      state.pc.ontrack = null;
      state.pc.onicecandidate = null;
      state.pc.onconnectionstatechange = null;
      state.pc.close();
    }
    state.pc = null;
    state.pcSession = null;
    state.remoteDescriptionSet = false;
    state.pendingCandidates = [];
    state.answerSent = false;
    $('remote-video').srcObject = null;
  }

  // ---- the customer's camera ---------------------------------------------------------------

  // Asks the customer's app; its answer comes back as media_state or control_refused.
  function cameraControl(control) {
    if (!state.pcSession) return;
    showControlRefusal(null);
    send({ type: 'camera_control', session_id: state.pcSession, control });
  }

  function toggleVideo() {
    cameraControl(state.videoPaused ? 'resume_video' : 'pause_video');
  }

  function toggleTorch() {
    state.torchOn = !state.torchOn;
    cameraControl(state.torchOn ? 'torch_on' : 'torch_off');
    updateLivePanel();
  }

  function showControlRefusal(text) {
    const p = $('control-refused');
    p.textContent = text ? 'Not done: ' + text : '';
    p.hidden = !text;
  }

  // The customer's view of the link, sent once a second while live (core's LinkStats).
  const QUALITY_WORDS = ['unusable', 'bad', 'poor', 'fair', 'good', 'excellent'];

  function showLinkStats(sessionId, stats) {
    if (!stats || sessionId !== state.pcSession) return;
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

  // Ends the call on this page: no peer connection, microphone released.
  function endCall() {
    $('link-stats').hidden = true;
    closePeer();
    if (state.mic) for (const track of state.mic.getTracks()) track.stop();
    state.mic = null;
    state.micPromise = null;
    $('mute-mic').textContent = 'Mute microphone';
    renderRows();
    updateLivePanel();
  }

  function toggleMute() {
    if (!state.mic) return;
    const tracks = state.mic.getAudioTracks();
    const muted = tracks.length > 0 && tracks[0].enabled;
    for (const track of tracks) track.enabled = !muted;
    $('mute-mic').textContent = muted ? 'Unmute microphone' : 'Mute microphone';
    $('mute-mic').dataset.muted = String(muted);
  }

  function updateLivePanel() {
    const active = state.sessions.find((s) => s.status === 'active');
    const showing = state.pcSession && state.sessions.find((s) => s.id === state.pcSession);
    const session = showing || active;
    $('live-customer').textContent = session ? '– ' + session.customer_name : '';
    let text;
    if (state.pc) {
      const connection = state.pc.connectionState;
      text = connection === 'connected' ? 'Connected'
        : connection === 'failed' ? 'Video connection failed'
        : state.answerSent ? 'Connecting video…' : 'Answering…';
    } else if (active) {
      text = 'Active – waiting for the customer\'s video (use Resume if it does not come)';
    } else {
      text = 'No active session';
    }
    $('call-state').textContent = text;
    $('video-paused').hidden = !(state.pc && state.videoPaused);
    $('video-paused').textContent = state.videoPausedBy === 'technician'
      ? 'Paused – you paused the video' : 'Paused – the customer paused the video';
    // Camera controls act on the video this console shows, while its session is active.
    const controllable = !!(state.pc && session && session.id === state.pcSession && session.status === 'active');
    $('video-toggle').disabled = !controllable;
    $('video-toggle').textContent = state.videoPaused ? 'Resume video' : 'Pause video';
    $('switch-camera').disabled = !controllable;
    $('torch').disabled = !controllable;
    $('torch').setAttribute('aria-pressed', String(state.torchOn));
    $('call-state').dataset.state = state.pc ? state.pc.connectionState : 'none';
    $('session-end').disabled = !session || session.status !== 'active';
    $('session-end').dataset.sessionId = session ? session.id : '';
    $('session-hold').disabled = !session || session.status !== 'active';
    $('session-hold').dataset.sessionId = session ? session.id : '';
    $('mute-mic').disabled = !state.mic;
  }

  // ---- the "customer is waiting" sound ---------------------------------------------------

  // Browsers only allow sound after the person interacted with the page, so the audio
  // context is created (or resumed) on the first click or key press.
  function unlockAudio() {
    const AudioContextClass = window.AudioContext || window.webkitAudioContext;
    if (!AudioContextClass) return null;
    if (!state.audioContext) state.audioContext = new AudioContextClass();
    if (state.audioContext.state === 'suspended') state.audioContext.resume().catch(() => {});
    return state.audioContext;
  }

  // Two short rising tones, generated: no audio file to ship.
  function chime() {
    state.soundsPlayed += 1;
    const ctx = state.audioContext;
    if (!ctx) return;
    const start = ctx.currentTime + 0.01;
    [880, 1318.5].forEach((frequency, i) => {
      const at = start + i * 0.18;
      const oscillator = ctx.createOscillator();
      const gain = ctx.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
      oscillator.connect(gain).connect(ctx.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.18);
    });
  }

  // ---- start-up --------------------------------------------------------------------------

  async function init() {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', onLogout);
    $('new-session-open').addEventListener('click', openNewSession);
    $('new-session-close').addEventListener('click', closeNewSession);
    $('new-session-form').addEventListener('submit', onCreateSession);
    $('session-end').addEventListener('click', () => {
      const id = $('session-end').dataset.sessionId;
      if (id) endSession(id);
    });
    $('mute-mic').addEventListener('click', toggleMute);
    $('video-toggle').addEventListener('click', toggleVideo);
    $('switch-camera').addEventListener('click', () => cameraControl('switch_camera'));
    $('torch').addEventListener('click', toggleTorch);
    $('session-hold').addEventListener('click', () => {
      const id = $('session-hold').dataset.sessionId;
      if (id) send({ type: 'hold', session_id: id });
    });
    $('message').addEventListener('click', clearMessage);
    $('remote-video').addEventListener('click', () => { $('remote-video').play().catch(() => {}); });
    document.addEventListener('pointerdown', unlockAudio, { passive: true });
    document.addEventListener('keydown', unlockAudio, { passive: true });

    try {
      const me = await api('api/me');
      if (me.ok) enterConsole(me.data);
      else showLogin();
    } catch (error) {
      showLogin();
      showMessage('Cannot reach the Lens server: ' + error.message);
    }
  }

  init();
})();
