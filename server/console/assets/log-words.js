// The words of the session log's events (store/session_log.rs), shared by the console's log
// panel and the collaborating technician's page.

export const EVENT_TEXT = {
  created: 'Session created',
  pin_issued: 'PIN issued',
  email_sent: 'Invitation e-mailed to',
  customer_joined: 'Customer joined',
  eula_accepted: 'Licence agreement accepted',
  eula_declined: 'Licence agreement declined',
  started: 'Started',
  on_hold: 'Put on hold',
  resumed: 'Resumed',
  ended: 'Ended',
  expired: 'PIN expired',
  timed_out: 'Timed out',
  camera_control: 'Camera control',
  control_refused: 'Camera control refused',
  pin_replaced: 'PIN replaced',
  transferred: 'Transferred',
  log_truncated: 'Log truncated (too many entries)',
  reconnecting: 'Reconnecting',
  reconnected: 'Reconnected',
  ice_server_error: 'STUN/TURN server problem',
  collaborator_invited: 'Technician invited',
  collaborator_joined: 'Technician joined',
  collaborator_left: 'Technician left',
  collaborator_removed: 'Technician removed',
  collaborator_permissions: 'Technician permissions changed',
};

/** One log entry as a line of text: the event's words and its detail. */
export function logLine(entry) {
  return (EVENT_TEXT[entry.event] || entry.event) + (entry.detail ? ': ' + entry.detail : '');
}
