// Turnstile in the widget's ticket form, end to end: the demo host page (its own origin)
// embeds the widget from a real `wrangler dev` + local D1, in Debian's Chromium. The Worker's
// `TURNSTILE_SCRIPT_URL` points at a local stand-in for Turnstile's script
// (tests/support/turnstile-standin.js, served by the host site), and its
// `TURNSTILE_VERIFY_URL` at the siteverify double (tests/support/siteverify.mjs), which
// decides: a refused token shows the error and writes nothing, an accepted one creates the
// ticket. A site without a site key never loads the script.
//
//   node --test tests/widget_turnstile.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { SECRET, siteverify } from './support/siteverify.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';
import { STANDIN_PATH, launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget');
const SITE_KEY = '0x4AAAAAAAe2eWidgetKey';
const CHECKBOX = 'Verify you are human (stand-in)';

let host;
let verifier;
let worker;
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  verifier = siteverify();
  await new Promise((resolve) => verifier.server.listen(0, '127.0.0.1', resolve));
  worker = await startWorker({
    sites: [
      { key: 'guarded', allowed_origins: [host.origin] },
      { key: 'open', allowed_origins: [host.origin] },
    ],
    vars: {
      TURNSTILE_VERIFY_URL: `http://127.0.0.1:${verifier.server.address().port}/turnstile/v0/siteverify`,
      TURNSTILE_SCRIPT_URL: `${host.origin}${STANDIN_PATH}?render=explicit`,
    },
  });
  // Turnstile on for one site (the secret key as written before sealing: the Worker reads it).
  await worker.sql(
    `UPDATE sites SET turnstile_site_key = '${SITE_KEY}', turnstile_secret = '${SECRET}' WHERE key = 'guarded'`,
  );
  host.setWorker(worker);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
  verifier?.server.close();
});

/** A fresh visitor on the demo page of `site`, with the requests the page made. */
async function visit(site) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${host.origin}/demo/?site=${site}`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  return { context, page, errors, requests };
}

const panel = (page) => page.getByRole('dialog', { name: /Support/ });
const status = (page) => panel(page).getByRole('status');
const send = (page) => page.getByRole('button', { name: 'Send ticket' }).click();

async function openForm(page, subject) {
  await page.locator('ticketbooth-widget button.l').click();
  await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('What happened?').fill('Steps: print anything.');
}

const tickets = async (subject) =>
  (await worker.sql(`SELECT code FROM tickets WHERE subject = '${subject}'`)).length;

test('the stand-in renders in the ticket form; siteverify refuses a bad token, then passes a good one', async () => {
  const { context, page, errors, requests } = await visit('guarded');
  const subject = 'Locked out of billing';
  assert.equal(requests.some((u) => u.includes(STANDIN_PATH)), false, 'no script before the form');
  await openForm(page, subject);

  // The script was loaded from the Worker's configured URL, and the check drawn with the site
  // key, the widget's language, into the light-DOM container slotted into the form.
  const box = page.getByLabel(CHECKBOX);
  await box.waitFor();
  assert.ok(requests.some((u) => u === `${host.origin}${STANDIN_PATH}?render=explicit`));
  const renders = await page.evaluate(() => window.turnstileStandin.renders);
  assert.deepEqual(renders, [{ sitekey: SITE_KEY, language: 'en', container: 'tb-turnstile' }]);
  const slotted = await page.evaluate(() => {
    const el = document.querySelector('ticketbooth-widget > [slot="tb-turnstile"]');
    const slot = el?.assignedSlot;
    return slot ? slot.closest('form') !== null && slot.getRootNode() === document.querySelector('ticketbooth-widget').shadowRoot : false;
  });
  assert.equal(slotted, true, 'the container is assigned to the form\'s slot');
  const [boxAt, sendAt, formAt] = await Promise.all([
    box.boundingBox(),
    page.getByRole('button', { name: 'Send ticket' }).boundingBox(),
    page.getByLabel('What happened?').boundingBox(),
  ]);
  assert.ok(boxAt.y > formAt.y && boxAt.y < sendAt.y, `between the fields and the button: ${JSON.stringify({ boxAt, formAt, sendAt })}`);

  // In the keyboard's order: the description, the check, then the send button.
  await page.getByLabel('What happened?').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.type), 'checkbox', 'Tab reaches the check');
  await page.keyboard.press('Tab');
  assert.equal(
    await page.evaluate(() => document.querySelector('ticketbooth-widget').shadowRoot.activeElement?.textContent),
    'Send ticket', 'and leaves it for the send button',
  );

  // Not ticked: nothing goes out, the form says why.
  await send(page);
  assert.match(await status(page).textContent(), /complete the human check/);
  await page.screenshot({ path: join(OUT, 'turnstile-01-form.png') });

  // Ticked, then expired (Turnstile's 300 s): the submit says so again, and the check resets.
  await box.check();
  assert.equal(await status(page).textContent(), '');
  await page.evaluate(() => window.turnstileStandin.expire());
  assert.match(await status(page).textContent(), /complete the human check/);
  assert.equal(await page.evaluate(() => window.turnstileStandin.resets), 1);

  // A token siteverify refuses: the error shows, nothing is written, the check is reset.
  const callsBefore = verifier.calls.length;
  await page.evaluate(() => { window.turnstileStandin.nextToken = 'forged-token'; });
  await box.check();
  await send(page);
  await page.waitForFunction(
    () => document.querySelector('ticketbooth-widget').shadowRoot.querySelector('.nt').textContent.includes("didn't pass"),
  );
  await page.screenshot({ path: join(OUT, 'turnstile-02-refused.png') });
  assert.equal(verifier.calls.length, callsBefore + 1);
  assert.equal(verifier.calls.at(-1).form.response, 'forged-token', 'the stand-in\'s token reached siteverify');
  assert.equal(await tickets(subject), 0, 'a refused check writes nothing');
  assert.equal(await box.isChecked(), false, 'the check is drawn again');
  assert.equal(await page.evaluate(() => window.turnstileStandin.resets), 2);

  // A token siteverify accepts: the ticket is created.
  await page.evaluate(() => { window.turnstileStandin.nextToken = 'pass-widget-1'; });
  await box.check();
  await send(page);
  const code = panel(page).locator('.code');
  await code.waitFor();
  assert.match(await code.textContent(), /^TKT-\d+$/);
  assert.equal(verifier.calls.at(-1).form.response, 'pass-widget-1');
  assert.equal(verifier.calls.at(-1).form.secret, SECRET);
  assert.equal(await tickets(subject), 1);
  await page.screenshot({ path: join(OUT, 'turnstile-03-created.png') });
  assert.equal(
    requests.filter((u) => u.includes(STANDIN_PATH)).length, 1, 'the script is loaded once',
  );
  assert.deepEqual(errors, []);
  await context.close();
});

test('a site without a site key never loads the script, and its tickets need no check', async () => {
  const { context, page, errors, requests } = await visit('open');
  const subject = 'No check here';
  await openForm(page, subject);
  await send(page);
  await panel(page).locator('.code').waitFor();
  assert.equal(await tickets(subject), 1);
  assert.equal(requests.some((u) => u.includes(STANDIN_PATH)), false, 'the script was never requested');
  assert.equal(await page.evaluate(() => typeof window.turnstile), 'undefined');
  assert.equal(await page.locator('ticketbooth-widget > [slot]').count(), 0, 'no container either');
  assert.deepEqual(errors, []);
  await context.close();
});
