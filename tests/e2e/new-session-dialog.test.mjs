// The Create New Session window of seeds 000, 001, 002 and 003, driven in Chromium: the PIN
// tab (the PIN also lands in the session log), Create another PIN (the old PIN stops working),
// the address for typing the PIN by hand, the E-mail tab (the technician's own mail client,
// or the server sending on their behalf through a real SMTP server, aiosmtpd), the Link tab
// (copy to clipboard), the list's live updates and chime, and a group without the e-mail
// permission that neither sees the E-mail tab nor gets past the API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, startCustomer, assertBinariesBuilt, Proc, tempDir, BIN, ROOT } from '../lib/lens.mjs';
import { openConsole } from '../lib/console.mjs';

const PYTHON = join(ROOT, 'tests', '.venv', 'bin', 'python');
const SMTP_SINK = join(ROOT, 'tests', 'py', 'smtp_sink.py');
const ORGANISATION = 'Example Support';

const lens = { smtp: null, mailDir: null, server: null, technician: null };

before(async () => {
  assertBinariesBuilt();
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run \`make deps-py\` first`);
  lens.mailDir = tempDir('mail');
  lens.smtp = new Proc('smtp', PYTHON, [SMTP_SINK, lens.mailDir]);
  const line = await lens.smtp.waitFor(/smtp listening on /);
  const address = line.split('smtp listening on ')[1].trim();
  lens.server = await startServer({
    extraArgs: ['--smtp-url', `smtp://${address}`, '--smtp-from', `${ORGANISATION} <support@example.com>`,
      '--organisation', ORGANISATION],
  });
  lens.technician = await openConsole(lens.server);
  await lens.technician.login(lens.server.tess);
});

after(async () => {
  await lens.technician?.close();
  await lens.server?.stop();
  await lens.smtp?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** New Session → name → the tab; the dialog stays open for the tab's button. */
async function openDialog(console, customerName, tab) {
  const p = console.page;
  await p.getByTestId('new-session-open').click();
  await p.getByTestId('new-session-name').fill(customerName);
  await p.getByTestId(`new-session-tab-${tab}`).click();
  assert.equal(await p.getByTestId(`new-session-tab-${tab}`).getAttribute('aria-selected'), 'true');
}

/** The session log panel of the customer's row, as [event, text] pairs. */
async function sessionLog(console, customerName) {
  await console.row(customerName).getByTestId('session-customer').click();
  const panel = console.page.getByTestId('session-log');
  await panel.getByTestId('session-log-customer').filter({ hasText: customerName }).waitFor();
  const entries = panel.getByTestId('session-log-entry');
  const out = [];
  for (let i = 0; i < (await entries.count()); i += 1) {
    out.push([await entries.nth(i).getAttribute('data-event'), await entries.nth(i).innerText()]);
  }
  return out;
}

async function waitForLogEvent(console, customerName, event) {
  for (let i = 0; i < 100; i += 1) {
    const log = await sessionLog(console, customerName);
    if (log.some(([e]) => e === event)) return log;
    await sleep(100);
  }
  throw new Error(`no ${event} in the log of ${customerName}: ${JSON.stringify(await sessionLog(console, customerName))}`);
}

/** Waits for the n-th message the SMTP server received; returns it decoded. */
async function mailNumber(n) {
  const name = `${String(n).padStart(4, '0')}.eml`;
  for (let i = 0; i < 200 && !readdirSync(lens.mailDir).includes(name); i += 1) await sleep(50);
  assert.ok(readdirSync(lens.mailDir).includes(name), `message ${n} arrived at the SMTP server`);
  return JSON.parse(execFileSync(PYTHON, [SMTP_SINK, '--dump', join(lens.mailDir, name)], { encoding: 'utf8' }));
}

test('PIN tab: Create PIN shows six digits, the list shows the session at once, the log has the PIN', async () => {
  const t = lens.technician;
  const soundsBefore = await t.soundsPlayed();
  await openDialog(t, 'Paula Pin', 'pin');
  await t.page.getByTestId('new-session-create').click();
  const pin = (await t.page.getByTestId('new-session-pin').innerText()).replace(/\D/g, '');
  assert.match(pin, /^\d{6}$/);
  await t.page.getByTestId('new-session-close').click();
  // Live update: no reload, the row is there as Pending with its PIN.
  await t.waitForStatus('Paula Pin', 'Pending');
  assert.equal((await t.row('Paula Pin').getByTestId('session-pin').innerText()).trim(), pin);

  const log = await sessionLog(t, 'Paula Pin');
  assert.deepEqual(log.map(([e]) => e), ['created', 'pin_issued']);
  assert.match(log[1][1], new RegExp(`PIN issued: ${pin}`));

  const customer = startCustomer(lens.server, pin);
  try {
    await t.waitForStatus('Paula Pin', 'Waiting');
    assert.equal(await t.soundsPlayed(), soundsBefore + 1, 'one chime for the new Waiting session');
    const joined = await waitForLogEvent(t, 'Paula Pin', 'eula_accepted');
    assert.deepEqual(joined.map(([e]) => e), ['created', 'pin_issued', 'customer_joined', 'eula_accepted']);
    // The technician ends it from the list; the log says so.
    await t.row('Paula Pin').getByTestId('session-cancel').click();
    await t.waitForStatus('Paula Pin', 'Closed');
    await customer.waitFor(/state: ended \(The technician ended the session\)/);
    const ended = await waitForLogEvent(t, 'Paula Pin', 'ended');
    assert.match(ended.at(-1)[1], /The technician ended the session/);
  } finally {
    await customer.stop();
  }
});

/** The row of one session (a customer may have several: a replaced PIN stays listed). */
const rowOf = (console, sessionId) => console.page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);

/** What the dialog shows now: the session it is about and its PIN. */
async function shownPin(console) {
  const p = console.page;
  const pin = await p.getByTestId('new-session-pin').getAttribute('data-pin');
  return { pin, sessionId: await p.getByTestId('new-session-result').getAttribute('data-session-id') };
}

test('Create another PIN replaces the PIN: the old one is refused at once, the new one joins, the old log says so', async () => {
  const t = lens.technician;
  const p = t.page;
  await openDialog(t, 'Rita Replace', 'pin');
  await p.getByTestId('new-session-create').click();
  await p.getByTestId('new-session-pin').waitFor();
  const old = await shownPin(t);
  assert.match(old.pin, /^\d{6}$/);

  await p.getByTestId('new-session-another').click();
  await p.getByTestId('new-session-replaced').filter({ hasText: `The previous PIN ${old.pin} no longer works` }).waitFor();
  const replacement = await shownPin(t);
  assert.match(replacement.pin, /^\d{6}$/);
  assert.notEqual(replacement.pin, old.pin, 'a new PIN');
  assert.notEqual(replacement.sessionId, old.sessionId);
  assert.equal(await p.getByTestId('new-session-customer').innerText(), 'Rita Replace', 'for the same customer');
  assert.equal((await p.getByTestId('new-session-link-mobile').innerText()).trim(), `${lens.server.url}/${replacement.pin}`);
  await t.screenshot('new-session-another-pin.png');

  // The list: the old session ended, in the server's words; the new one waits for its customer.
  await rowOf(t, old.sessionId).getByTestId('session-end-reason')
    .filter({ hasText: 'The technician replaced this PIN with a new one' }).waitFor();
  await rowOf(t, replacement.sessionId).getByTestId('session-status').filter({ hasText: 'Pending' }).waitFor();

  // A customer with the old PIN is refused at once; the new PIN works.
  const late = startCustomer(lens.server, old.pin);
  assert.match(await late.waitFor(/state: ended|lens: /), /Ask the technician for a new PIN/);
  assert.equal((await late.exited).code, 3);
  const customer = startCustomer(lens.server, replacement.pin);
  try {
    await customer.waitFor(/state: waiting_for_technician \(Tess Technician\)/);
    await rowOf(t, replacement.sessionId).getByTestId('session-status').filter({ hasText: 'Waiting' }).waitFor();

    // Once the customer has joined, the PIN is theirs: no other replaces it, and the
    // server says why.
    await p.getByTestId('new-session-another').click();
    await p.getByTestId('message').filter({ hasText: /\w/ }).waitFor();
    assert.equal(await p.getByTestId('message').getAttribute('data-kind'), 'error');
    assert.equal((await shownPin(t)).pin, replacement.pin, 'the dialog still shows the PIN in use');
    await p.getByTestId('new-session-close').click();

    // The old session's log says it was replaced, and by which PIN.
    await rowOf(t, old.sessionId).getByTestId('session-customer').click();
    await p.locator(`[data-testid="session-log"][data-session-id="${old.sessionId}"]`).waitFor();
    await p.getByTestId('session-log-entry').filter({ hasText: `PIN replaced: New PIN ${replacement.pin}` }).waitFor();
  } finally {
    await customer.stop();
  }
});

test('the dialog shows the address for typing the PIN by hand, and it opens the page to type it', async () => {
  const t = lens.technician;
  const { pin, manualEntry: manual } = await t.newSession('Manny Manual');
  assert.equal(manual, `${lens.server.url}/join`);

  // The customer opens it and types the PIN: the page shows that PIN and how to go on.
  const page = await t.context.newPage();
  try {
    await page.goto(manual);
    await page.getByText('Enter the six-digit PIN your technician gave you').waitFor();
    await page.getByTestId('join-pin').fill(pin);
    await page.getByTestId('join-submit').click();
    assert.equal((await page.getByTestId('landing-pin').innerText()).trim(), pin);
  } finally {
    await page.close();
  }
});

test('Link tab: "Copy link to clipboard" copies the session link, shows it, and the customer joins with it', async () => {
  const t = lens.technician;
  await openDialog(t, 'Lars Link', 'link');
  await t.page.getByTestId('new-session-copy-link').click();
  const shown = (await t.page.getByTestId('new-session-link-mobile').innerText()).trim();
  const pin = (await t.page.getByTestId('new-session-pin').innerText()).replace(/\D/g, '');
  assert.equal(shown, `${lens.server.url}/${pin}`);
  assert.equal(await t.page.evaluate(() => navigator.clipboard.readText()), shown);
  await t.page.getByTestId('new-session-close').click();

  const customer = startCustomer(lens.server, shown);
  try {
    await t.waitForStatus('Lars Link', 'Waiting');
    const log = await sessionLog(t, 'Lars Link');
    assert.match(log[0][1], /by link/);
  } finally {
    await customer.stop();
  }
});

test('E-mail tab, own mail client: a mailto link with subject and body carrying the link and the PIN', async () => {
  const t = lens.technician;
  await openDialog(t, 'Olga Own', 'email');
  await t.page.getByTestId('new-session-email-own').check();
  assert.ok(await t.page.getByTestId('new-session-email-to').isHidden(), 'no To: field for the own client');
  await t.page.getByTestId('new-session-email-send').click();
  const href = await t.page.getByTestId('new-session-mailto').getAttribute('href');
  const pin = (await t.page.getByTestId('new-session-pin').innerText()).replace(/\D/g, '');
  await t.page.getByTestId('new-session-close').click();
  const url = new URL(href);
  assert.equal(url.protocol, 'mailto:');
  const subject = url.searchParams.get('subject');
  const body = url.searchParams.get('body');
  assert.match(subject, new RegExp(ORGANISATION));
  assert.ok(body.includes(`${lens.server.url}/${pin}`), body);
  assert.ok(body.includes(pin) && body.includes('Olga Own') && body.includes('Tess Technician'), body);
  await t.waitForStatus('Olga Own', 'Pending');
});

test('E-mail tab, on my behalf: the SMTP server receives text and HTML with link and PIN; the link joins', async () => {
  const t = lens.technician;
  await openDialog(t, 'Carl Customer', 'email');
  await t.page.getByTestId('new-session-email-behalf').check();
  await t.page.getByTestId('new-session-email-to').fill('carl@example.com');
  await t.page.getByTestId('new-session-email-send').click();
  await t.page.getByTestId('new-session-email-status').filter({ hasText: 'E-mail sent to carl@example.com' }).waitFor();
  const pin = (await t.page.getByTestId('new-session-pin').innerText()).replace(/\D/g, '');
  await t.page.getByTestId('new-session-close').click();

  const mail = await mailNumber(1);
  assert.equal(mail.to, 'carl@example.com');
  assert.match(mail.from, /support@example\.com/);
  assert.match(mail.subject, new RegExp(ORGANISATION));
  assert.ok(mail.multipart_alternative, 'plain text with an HTML alternative');
  for (const part of [mail.text, mail.html]) {
    assert.ok(part.includes(`${lens.server.url}/${pin}`), part);
    assert.ok(part.includes(pin) && part.includes('Carl Customer') && part.includes(ORGANISATION), part);
  }
  const log = await waitForLogEvent(t, 'Carl Customer', 'email_sent');
  assert.match(log.find(([e]) => e === 'email_sent')[1], /carl@example\.com/);

  // The customer taps the link from the mail: core's join-input parser reads it.
  const link = mail.text.match(/https?:\/\/\S+/)[0];
  const customer = startCustomer(lens.server, link);
  try {
    await customer.waitFor(/state: waiting_for_technician \(Tess Technician\)/);
    await t.waitForStatus('Carl Customer', 'Waiting');
  } finally {
    await customer.stop();
  }
});

test('an address the relay would not take is refused before any PIN is issued', async () => {
  const t = lens.technician;
  const rowsBefore = await t.page.getByTestId('session-row').count();
  const result = await t.page.evaluate(async () => {
    const response = await fetch('api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ customer_name: 'Bad Address', method: 'email', email_to: 'not an address' }),
    });
    return { status: response.status, body: await response.json() };
  });
  assert.equal(result.status, 400);
  assert.equal(result.body.error, 'invalid_email_address');
  await sleep(300);
  assert.equal(await t.page.getByTestId('session-row').count(), rowsBefore);
});

test('a group without the e-mail permission sees no E-mail tab, and the API refuses it by name', async () => {
  const database = `sqlite://${join(lens.server.dir, 'lens.db')}?mode=rwc`;
  const cli = (...args) => execFileSync(join(BIN, 'lens-server'), [...args, '--database', database], { encoding: 'utf8' });
  const listed = cli('group', 'add', 'No e-mail', '--permissions', 'start_lens_sessions,start_private_sessions,use_pin,use_link');
  assert.match(listed, /^No e-mail\tid=\S+\tpermissions=start_lens_sessions,start_private_sessions,use_pin,use_link\t/);
  cli('add-technician', '--email', 'nina@example.com', '--name', 'Nina No-Mail', '--password', 'a good long password', '--group', 'No e-mail');

  const nina = await openConsole(lens.server);
  try {
    await nina.login({ email: 'nina@example.com', password: 'a good long password' });
    const p = nina.page;
    await p.getByTestId('new-session-open').click();
    await p.getByTestId('new-session-tab-link').waitFor();
    assert.ok(await p.getByTestId('new-session-tab-email').isHidden(), 'no E-mail tab');
    assert.ok(await p.getByTestId('new-session-tab-pin').isVisible());
    assert.ok(await p.getByTestId('new-session-tab-link').isVisible());
    assert.ok(await p.getByTestId('admin').isHidden(), 'no admin area for a technician');

    const refused = await p.evaluate(async () => {
      const response = await fetch('api/sessions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ customer_name: 'Sneaky', method: 'email' }),
      });
      return { status: response.status, body: await response.json() };
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error, 'permission_denied');
    assert.equal(refused.body.permission, 'use_email');

    // Her PIN tab works as usual.
    const { pin } = await nina.newSession('Nils Normal');
    assert.match(pin, /^\d{6}$/);
  } finally {
    await nina.close();
  }
});

test('an admin creates a group and takes the e-mail method away in the Admin area', async () => {
  const database = `sqlite://${join(lens.server.dir, 'lens.db')}?mode=rwc`;
  execFileSync(join(BIN, 'lens-server'), ['add-technician', '--database', database, '--email', 'ada@example.com',
    '--name', 'Ada Admin', '--password', 'admin password here', '--admin']);
  const ada = await openConsole(lens.server);
  try {
    await ada.login({ email: 'ada@example.com', password: 'admin password here' });
    const p = ada.page;
    await p.getByTestId('admin-groups').waitFor();
    await p.getByTestId('admin-new-group-name').fill('Field team');
    await p.getByTestId('admin-new-group-create').click();
    const row = p.locator('[data-testid="admin-group"][data-group-name="Field team"]');
    await row.waitFor();
    await row.locator('[data-permission="use_email"]').uncheck();
    await row.getByTestId('admin-group-pin_ttl_secs').fill('300');
    await row.getByTestId('admin-group-save').click();
    await p.getByTestId('admin-status').filter({ hasText: 'Group Field team saved.' }).waitFor();

    const listed = execFileSync(join(BIN, 'lens-server'), ['group', 'list', '--database', database], { encoding: 'utf8' });
    const line = listed.split('\n').find((l) => l.startsWith('Field team\t'));
    assert.match(line, /permissions=start_lens_sessions,start_private_sessions,use_pin,use_link,invite_technicians\tpin_ttl=300s/);
  } finally {
    await ada.close();
  }
});
