// Seeds 001 and 002 on the customer's phone without the app: the link opens a page that
// shows the PIN in large digits, offers the app and the stores, and carries the link in
// a Smart App Banner so the PIN survives the install; a customer without a link types
// the PIN on the manual entry page. Chromium with a phone's viewport and user agent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { join } from 'node:path';
import { startServer, assertBinariesBuilt, ARTIFACTS } from '../lib/lens.mjs';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36';
const APP_LINK_ARGS = [
  '--apple-team-id', 'ABCDE12345', '--apple-bundle-id', 'org.lens.customer', '--apple-app-store-id', '1234567890',
  '--android-package', 'org.lens.customer',
  '--android-cert-sha256', Array(32).fill('AB').join(':'),
];

let server;
let browser;

before(async () => {
  assertBinariesBuilt();
  server = await startServer({ extraArgs: APP_LINK_ARGS });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function phone(userAgent = IPHONE) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent });
  return { context, page: await context.newPage() };
}

test('the mobile link shows the PIN large, the store buttons and a banner carrying the link', async () => {
  const { context, page } = await phone();
  try {
    const response = await page.goto(`${server.url}/042917`);
    assert.equal(response.status(), 200);
    const pin = page.getByTestId('landing-pin');
    assert.equal((await pin.innerText()).trim(), '042917');
    const fontPx = parseFloat(await pin.evaluate((el) => getComputedStyle(el).fontSize));
    assert.ok(fontPx >= 40, `the PIN is large on a phone (${fontPx}px)`);
    assert.ok((await pin.boundingBox()).width <= 390, 'and fits the screen');

    const banner = await page.locator('meta[name="apple-itunes-app"]').getAttribute('content');
    assert.equal(banner, `app-id=1234567890, app-argument=${server.url}/042917`);
    assert.equal(await page.getByTestId('landing-app-store').getAttribute('href'), 'https://apps.apple.com/app/id1234567890');
    assert.equal(await page.getByTestId('landing-google-play').getAttribute('href'), 'https://play.google.com/store/apps/details?id=org.lens.customer');
    assert.equal(await page.getByTestId('landing-open-app').getAttribute('href'), 'lens://join/042917');
    await page.screenshot({ path: join(ARTIFACTS, 'landing-iphone.png'), fullPage: true });

    // The desktop-style link lands on the same page.
    await page.goto(`${server.url}/?code=042917`);
    assert.equal((await page.getByTestId('landing-pin').innerText()).trim(), '042917');
  } finally {
    await context.close();
  }
});

test('on Android the open-app button is an intent that falls back to Google Play', async () => {
  const { context, page } = await phone(ANDROID);
  try {
    await page.goto(`${server.url}/042917`);
    const href = await page.getByTestId('landing-open-app').getAttribute('href');
    assert.match(href, /^intent:\/\/127\.0\.0\.1:\d+\/042917#Intent;scheme=http;package=org\.lens\.customer;S\.browser_fallback_url=https%3A%2F%2Fplay\.google\.com/);
  } finally {
    await context.close();
  }
});

test('the manual entry page refuses what is not a PIN, with a message, and sends a PIN on', async () => {
  const { context, page } = await phone();
  try {
    await page.goto(`${server.url}/join`);
    const entry = page.getByTestId('join-pin');
    for (const [typed, message] of [
      ['12345', 'The code has six digits; this one has 5.'],
      ['12a456', 'The code can contain only digits'],
      ['', 'Please enter the six-digit code'],
    ]) {
      await entry.fill(typed);
      await page.getByTestId('join-submit').click();
      await page.waitForLoadState();
      assert.match(await page.getByTestId('join-error').innerText(), new RegExp(message.replace(/[.;]/g, '\\$&')), typed);
      assert.equal(new URL(page.url()).pathname, '/join', `${typed} stays on the entry page`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'manual-entry-refused.png'), fullPage: true });

    // Read aloud as "042 917", typed with the space.
    await entry.fill('042 917');
    await page.getByTestId('join-submit').click();
    await page.getByTestId('landing-pin').waitFor();
    assert.equal(new URL(page.url()).pathname, '/042917');
    assert.equal((await page.getByTestId('landing-pin').innerText()).trim(), '042917');
  } finally {
    await context.close();
  }
});
