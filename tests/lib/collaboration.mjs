// Collaborating technicians (seed 004) from the tests' side: the admin's switch for
// unlisted technicians, the lead's Invite dialog, and a collaborator page's counters.
// Shared by e2e/collaborators.test.mjs and bench/collaborators.mjs.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN } from './lens.mjs';
import { openConsole } from './console.mjs';

/**
 * Ada, an admin, turns on the External tab's "invite an unlisted technician" for the
 * Default group in the admin area. Returns her console (the caller closes it).
 */
export async function adminAllowsUnlisted(server) {
  const ada = { email: 'ada@example.com', name: 'Ada Admin', password: 'admin password here' };
  execFileSync(join(BIN, 'lens-server'), ['add-technician', '--database',
    `sqlite://${join(server.dir, 'lens.db')}?mode=rwc`, '--email', ada.email, '--name', ada.name,
    '--password', ada.password, '--admin']);
  const admin = await openConsole(server);
  await admin.login(ada);
  const row = admin.page.locator('[data-testid="admin-group"][data-group-name="Default"]');
  await row.getByTestId('admin-group-invite-unlisted').check();
  await row.getByTestId('admin-group-save').click();
  await admin.page.getByTestId('admin-status').filter({ hasText: 'Group Default saved.' }).waitFor();
  return admin;
}

/**
 * The Invite technician dialog on page `p` (the lead's console, or a collaborator's page
 * when the lead let them invite): the External tab, an unlisted technician by PIN with
 * `permissions` (data-permission names) and a note. Returns `{ pin }` or `{ error }`.
 */
export async function inviteUnlisted(p, name, permissions = []) {
  await p.getByTestId('session-invite').click();
  await p.getByTestId('invite').waitFor();
  await p.getByTestId('invite-tab-external').click();
  await p.getByTestId('invite-unlisted').check();
  await p.getByTestId('invite-name').fill(name);
  for (const box of await p.getByTestId('invite-permission').all()) {
    await box.setChecked(permissions.includes(await box.getAttribute('data-permission')));
  }
  await p.getByTestId('invite-note').fill('The oven shows error E3; have a look at the display.');
  await p.getByTestId('invite-method').selectOption('pin');
  await p.getByTestId('invite-submit').click();
  const outcome = p.getByTestId('invite-result-pin').or(p.getByTestId('invite-error'));
  await outcome.waitFor();
  const pin = await p.getByTestId('invite-result-pin').count() ? await p.getByTestId('invite-result-pin').innerText() : null;
  const error = await p.getByTestId('invite-error').count() ? await p.getByTestId('invite-error').innerText() : null;
  await p.getByTestId('invite-close').click();
  return { pin, error };
}

/** A collaborator page's inbound counters (getStats; zeros without a connection). */
export async function collaboratorCounters(page) {
  return page.evaluate(async () => {
    const out = { frames: 0, bytes: 0, width: 0, height: 0 };
    const report = await window.lensCollab.stats();
    if (report) {
      report.forEach((r) => {
        if (r.type !== 'inbound-rtp') return;
        out.bytes += r.bytesReceived || 0;
        if (r.kind === 'video') {
          out.frames = r.framesDecoded || 0;
          out.width = r.frameWidth || 0;
          out.height = r.frameHeight || 0;
        }
      });
    }
    return out;
  });
}

/** Frames a collaborator page's peer connection decoded (0 without one). */
export async function collaboratorFrames(page) {
  return (await collaboratorCounters(page)).frames;
}

/** Waits until the collaborator page decoded `atLeast` frames. */
export async function waitForFrames(page, atLeast, timeout = 20000) {
  const deadline = Date.now() + timeout;
  let frames = 0;
  while (Date.now() < deadline) {
    frames = await collaboratorFrames(page);
    if (frames >= atLeast) return frames;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the collaborator decoded ${frames} frames, expected ${atLeast}`);
}

/**
 * On the collaborator page (`/collaborate`, PIN form shown): types `pin`, clicks Join, and
 * resolves with the milliseconds from the click to the first picture shown
 * (requestVideoFrameCallback on the page's video), both read from the page's own clock.
 */
export async function joinByPin(page, pin) {
  await page.getByTestId('collab-pin').fill(pin);
  await page.evaluate(() => {
    window.firstPicture = new Promise((resolve) => {
      document.getElementById('collab-video').requestVideoFrameCallback((now) => resolve(now));
    });
    window.joinClickedAt = performance.now();
    document.getElementById('collab-pin-submit').click();
  });
  return page.evaluate(async () => (await window.firstPicture) - window.joinClickedAt);
}
