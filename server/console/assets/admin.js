// The admin area: groups (permissions, PIN validity, waiting and idle timeouts, relay-only
// calls) and technicians (group, admin role, inviting new ones). Shown to admins; the server
// checks every call (403 admin_only) whatever this page shows.
import { $, el } from './dom.js';
import { api, refusal } from './api.js';
import { on } from './bus.js';

const PERMISSIONS = [
  ['start_lens_sessions', 'Start Lens sessions'],
  ['start_private_sessions', 'Start private sessions'],
  ['use_pin', 'PIN connection method'],
  ['use_email', 'E-mail connection method'],
  ['use_link', 'Link connection method'],
  ['invite_technicians', 'Invite technicians'],
];
const TIMEOUTS = [
  ['pin_ttl_secs', 'PIN validity (s)'],
  ['waiting_timeout_secs', 'Waiting timeout (s)'],
  ['idle_timeout_secs', 'Idle timeout on hold (s)'],
];
// Seed 004's External tab of Invite Technician: what the group's members may do.
const EXTERNAL = [
  ['invite_approved', 'Invite an approved technician'],
  ['invite_unlisted', 'Invite an unlisted technician'],
];
const RELAY_ONLY_HINT = "Calls of this group go through the TURN relay only, so the customer and "
  + "the technician never learn each other's IP address (needs a TURN server).";
const state = { me: null, groups: [], technicians: [], approved: [] };

function status(text, ok) {
  const line = $('admin-status');
  line.textContent = text;
  line.dataset.kind = ok ? 'info' : 'error';
}

async function load() {
  const [groups, technicians, approved] = await Promise.all([
    api('api/admin/groups'), api('api/admin/technicians'), api('api/admin/approved-technicians')]);
  if (!groups.ok || !technicians.ok || !approved.ok) return;
  state.groups = groups.data;
  state.technicians = technicians.data;
  state.approved = approved.data;
  render();
}

function groupRow(group) {
  const row = el('tr', { testid: 'admin-group' });
  row.dataset.groupId = group.id;
  row.dataset.groupName = group.name;
  const name = el('input', { value: group.name, maxLength: 60, testid: 'admin-group-name' });
  row.append(el('td', {}, name));
  const boxes = PERMISSIONS.map(([key, label]) => {
    const box = el('input', { type: 'checkbox', checked: group.permissions.includes(key), title: label });
    box.setAttribute('data-testid', 'admin-group-permission');
    box.dataset.permission = key;
    row.append(el('td', { className: 'center' }, box));
    return box;
  });
  const times = TIMEOUTS.map(([key, label]) => {
    const input = el('input', { type: 'number', min: 1, placeholder: 'server', title: label, value: group[key] ?? '' });
    input.setAttribute('data-testid', 'admin-group-' + key);
    row.append(el('td', {}, input));
    return [key, input];
  });
  const relay = el('input', { type: 'checkbox', checked: Boolean(group.relay_only), title: RELAY_ONLY_HINT });
  relay.setAttribute('data-testid', 'admin-group-relay-only');
  row.append(el('td', { className: 'center' }, relay));
  const external = EXTERNAL.map(([key, label]) => {
    const box = el('input', { type: 'checkbox', checked: Boolean(group[key]), title: label });
    box.setAttribute('data-testid', 'admin-group-' + key.replace('_', '-'));
    row.append(el('td', { className: 'center' }, box));
    return [key, box];
  });
  const save = el('button', { type: 'button', className: 'small', testid: 'admin-group-save' }, 'Save');
  save.addEventListener('click', async () => {
    const body = { name: name.value, permissions: boxes.filter((b) => b.checked).map((b) => b.dataset.permission) };
    for (const [key, input] of times) body[key] = input.value === '' ? null : Number(input.value);
    // Sent only when changed: the server refuses to turn it on without a TURN server, and
    // that must not block saving a group's other settings.
    if (relay.checked !== Boolean(group.relay_only)) body.relay_only = relay.checked;
    for (const [key, box] of external) body[key] = box.checked;
    const result = await api('api/admin/groups/' + encodeURIComponent(group.id), body, 'PUT');
    status(result.ok ? 'Group ' + result.data.name + ' saved.' : refusal(result, 'Not saved.'), result.ok);
    if (result.ok) load();
  });
  row.append(el('td', {}, save));
  return row;
}

function groupSelect(selected, testid) {
  const select = el('select', { testid });
  for (const group of state.groups) {
    select.append(el('option', { value: group.id, selected: group.id === selected }, group.name));
  }
  return select;
}

function technicianRow(technician) {
  const row = el('tr', { testid: 'admin-technician' });
  row.dataset.technicianId = technician.id;
  const group = groupSelect(technician.group_id, 'admin-technician-group');
  const admin = el('input', { type: 'checkbox', checked: technician.is_admin, testid: 'admin-technician-admin' });
  const save = el('button', { type: 'button', className: 'small', testid: 'admin-technician-save' }, 'Save');
  save.addEventListener('click', async () => {
    const result = await api('api/admin/technicians/' + technician.id, { group_id: group.value, is_admin: admin.checked }, 'PUT');
    status(result.ok ? technician.name + ' saved.' : refusal(result, 'Not saved.'), result.ok);
    if (result.ok) load();
  });
  row.append(el('td', {}, technician.name), el('td', {}, technician.email), el('td', {}, group),
    el('td', { className: 'center' }, admin), el('td', {}, save));
  return row;
}

function newGroupForm() {
  const name = el('input', { placeholder: 'Group name', maxLength: 60, testid: 'admin-new-group-name', required: true });
  const form = el('form', { className: 'inline-form', testid: 'admin-new-group' }, name,
    el('button', { type: 'submit', testid: 'admin-new-group-create' }, 'Create group'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('api/admin/groups', { name: name.value });
    status(result.ok ? 'Group ' + result.data.name + ' created with every permission; untick what it may not do.' : refusal(result, 'Not created.'), result.ok);
    if (result.ok) load();
  });
  return form;
}

function inviteForm() {
  const email = el('input', { type: 'email', placeholder: 'E-mail', testid: 'admin-invite-email', required: true });
  const name = el('input', { placeholder: 'Name', testid: 'admin-invite-name', required: true, maxLength: 100 });
  const group = groupSelect(state.me.group && state.me.group.id, 'admin-invite-group');
  const admin = el('input', { type: 'checkbox', testid: 'admin-invite-admin' });
  const form = el('form', { className: 'inline-form', testid: 'admin-invite' }, email, name, group,
    el('label', { className: 'choice' }, admin, ' admin'),
    el('button', { type: 'submit', testid: 'admin-invite-create' }, 'Invite technician'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('api/admin/technicians', { email: email.value, name: name.value, group_id: group.value, is_admin: admin.checked });
    if (result.ok) {
      status('Technician ' + result.data.technician.email + ' created. Their first password (shown once): ' + result.data.password, true);
      load();
    } else {
      status(refusal(result, 'Not created.'), false);
    }
  });
  return form;
}

function render() {
  const groupHead = el('tr', {}, el('th', {}, 'Group'), ...PERMISSIONS.map(([, label]) => el('th', {}, label)),
    ...TIMEOUTS.map(([, label]) => el('th', {}, label)), el('th', { title: RELAY_ONLY_HINT }, 'Relay only'),
    ...EXTERNAL.map(([, label]) => el('th', {}, label)), el('th', {}));
  const techHead = el('tr', {}, ...['Technician', 'E-mail', 'Group', 'Admin', ''].map((t) => el('th', {}, t)));
  // The status line (#admin-status) is outside the body, so a message survives the reload
  // that follows a save.
  $('admin-body').replaceChildren(
    el('h3', {}, 'Technician groups'),
    el('div', { className: 'scroll' }, el('table', { className: 'sessions', testid: 'admin-groups' },
      el('thead', {}, groupHead), el('tbody', {}, ...state.groups.map(groupRow)))),
    newGroupForm(),
    el('h3', {}, 'Technicians'),
    el('table', { className: 'sessions', testid: 'admin-technicians' },
      el('thead', {}, techHead), el('tbody', {}, ...state.technicians.map(technicianRow))),
    inviteForm(),
    el('h3', {}, 'Approved external technicians'),
    el('ul', { className: 'transfer-targets', testid: 'admin-approved' }, ...state.approved.map(approvedRow)),
    approveForm(),
  );
}

// The admin's list of approved external technicians (seed 004): people without an account
// here whom a group with "Invite an approved technician" may invite to collaborate.
function approvedRow(approved) {
  const remove = el('button', { type: 'button', className: 'small secondary', testid: 'admin-approved-remove' }, 'Remove');
  remove.addEventListener('click', async () => {
    const result = await api('api/admin/approved-technicians/' + encodeURIComponent(approved.id), undefined, 'DELETE');
    status(result.ok ? approved.name + ' removed from the approved list.' : refusal(result, 'Not removed.'), result.ok);
    if (result.ok) load();
  });
  return el('li', { testid: 'admin-approved-technician' }, el('span', {}, approved.name), el('span', { className: 'why' }, approved.email), remove);
}

function approveForm() {
  const name = el('input', { placeholder: 'Name', testid: 'admin-approve-name', required: true, maxLength: 100 });
  const email = el('input', { type: 'email', placeholder: 'E-mail', testid: 'admin-approve-email', required: true });
  const form = el('form', { className: 'inline-form', testid: 'admin-approve' }, name, email,
    el('button', { type: 'submit', testid: 'admin-approve-add' }, 'Approve technician'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await api('api/admin/approved-technicians', { name: name.value, email: email.value });
    status(result.ok ? result.data.name + ' is on the approved list.' : refusal(result, 'Not added.'), result.ok);
    if (result.ok) load();
  });
  return form;
}

async function onSignedIn() {
  const me = await api('api/me');
  if (!me.ok) return;
  state.me = me.data;
  $('admin').hidden = !state.me.is_admin;
  if (state.me.is_admin) await load();
}

on('signed-in', () => { onSignedIn().catch(() => {}); });
on('signed-out', () => {
  state.me = null;
  $('admin').hidden = true;
  $('admin-body').replaceChildren();
  $('admin-status').textContent = '';
});
