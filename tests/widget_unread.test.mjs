// New replies mark a ticket unread, end to end: the team posts a customer-facing comment on the
// visitor's ticket through the operator API; on the visitor's next page the launcher's badge
// counts it, My tickets shows "New reply" (a dot and the words) on that row until its thread is
// opened, and what was seen is remembered across reloads (localStorage). Screenshots under
// tests/output/widget-unread/.
//
//   node --test tests/widget_unread.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';

import { ROOT, startWorker } from './support/wrangler.mjs';
import { addOperator } from './support/operators.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget-unread');

let host;
let worker;
let browser;
let agent;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [host.origin] }] });
  host.setWorker(worker);
  agent = await addOperator(worker, { site: 'demo', role: 'member', email: 'ada@demo.example', name: 'Ada Agent' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
});

const launcher = (page) => page.locator('ticketbooth-widget button.l');
const badge = (page) => launcher(page).locator('.bdg');
const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

/** (Re)loads the demo page, `ticketbooth:unread` counts recorded, the Wasm mounted. */
async function load(page) {
  await page.goto(`${host.origin}/demo/?site=demo`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
}

async function comment(code, text, visibility = 'public') {
  const res = await fetch(`${worker.baseUrl}/api/v1/tickets/${code}/comment`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ comment: text, visibility }),
  });
  assert.ok(res.status < 300, `comment: ${res.status} ${await res.text()}`);
}

test('a team reply marks the ticket unread (launcher and My tickets) until its thread is opened', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  await context.addInitScript(() => {
    window.__unread = [];
    window.addEventListener('ticketbooth:unread', (e) => window.__unread.push(e.detail.count));
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await load(page);
  await launcher(page).click();
  await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
  await page.getByLabel('Subject').fill('Invoice missing');
  await page.getByLabel('What happened?').fill('No invoice for November.');
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await panel(page).locator('.code', { hasText: /^TKT-\d+$/ }).waitFor();
  const code = await panel(page).locator('.code').textContent();

  // Neither an internal note nor nothing at all is news.
  await comment(code, 'Internal: ask billing.', 'internal');
  await load(page);
  await page.waitForTimeout(500);
  assert.equal(await badge(page).isVisible(), false, 'an internal note is not a reply');

  await comment(code, 'Your invoice is attached to your account now.');
  await load(page);
  await badge(page).waitFor({ state: 'visible' });
  assert.equal(await badge(page).textContent(), '1');
  assert.equal(await launcher(page).getAttribute('aria-label'), 'Open support, 1 new messages');
  assert.deepEqual(await page.evaluate(() => window.__unread), [1]);
  await launcher(page).screenshot({ path: join(OUT, '01-launcher-new-reply.png') });

  await launcher(page).click();
  await badge(page).waitFor({ state: 'hidden' });
  await panel(page).getByRole('button', { name: 'My tickets' }).click();
  const row = panel(page).getByRole('button', { name: new RegExp(code) });
  const mark = row.locator('.nw');
  await mark.waitFor({ state: 'visible' });
  assert.equal(await mark.textContent(), 'New reply');
  assert.match(await row.textContent(), /New reply/, 'in the row\'s accessible name: not colour alone');
  await shot(page, '02-my-tickets-new-reply');
  const results = await new AxeBuilder({ page }).include('ticketbooth-widget').analyze();
  assert.deepEqual(results.violations.map((v) => v.id), [], 'axe on My tickets with an unread row');

  await row.click();
  await panel(page).getByText('Your invoice is attached to your account now.').waitFor();
  await panel(page).getByRole('button', { name: 'Back' }).click();
  await row.waitFor();
  await page.waitForTimeout(300);
  assert.equal(await mark.isVisible(), false, 'read once its thread was opened');
  await launcher(page).click();
  assert.equal(await badge(page).isVisible(), false);

  // Remembered across pages; the next reply marks it again.
  await load(page);
  await page.waitForTimeout(500);
  assert.equal(await badge(page).isVisible(), false, 'seen stays seen after a reload');
  await comment(code, 'One more thing: the VAT number is fixed too.');
  await load(page);
  await badge(page).waitFor({ state: 'visible' });
  assert.equal(await badge(page).textContent(), '1');
  assert.deepEqual(errors, []);
  await context.close();
});
