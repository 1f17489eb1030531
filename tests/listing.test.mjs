// The list's SLA and team in a real browser against `wrangler dev` + local D1 (issue 22): the
// clocks are seeded straight into 0029's columns (the SLA engine is not needed to show them);
// the list shows "Overdue …" and "… left" at 1280 and 390 px, and the header's notices count
// my breaches and link to them (the breached filter, in the due order). Axe on the list.
// Screenshots under tests/output/listing/.
//
//   node --test tests/listing.test.mjs        (Node 22; `cargo xtask build` first)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';

const OUT = join(ROOT, 'tests', 'output', 'listing');
const MIN = 60_000;

let worker;
let browser;
let owner;

before(async () => {
  await mkdir(OUT, { recursive: true });
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'owen@shop.example', name: 'Owen Owner' });
  for (const subject of ['Refund never arrived', 'Login link expired', 'Invoice address wrong', 'Just a question']) {
    const res = await fetch(`${worker.baseUrl}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'From the listing e2e test.' }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  const now = Date.now();
  await worker.sql(`
    INSERT INTO teams (id, site_id, name, created_at) SELECT 1, id, 'Billing', 0 FROM sites WHERE key = 'shop';
    UPDATE tickets SET first_response_due_at = ${now - 35 * MIN}, resolution_due_at = ${now + 600 * MIN},
                       team_id = 1, assignee_id = ${sqlLiteral(owner.id)} WHERE code = 'TKT-1';
    UPDATE tickets SET resolution_due_at = ${now + 130 * MIN + 30_000} WHERE code = 'TKT-2';
    UPDATE tickets SET resolution_due_at = ${now + 40 * MIN + 30_000}, team_id = 1 WHERE code = 'TKT-3';`);
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

// The filters' panel opens by itself once a filter or an order is applied.
async function openFilters(page) {
  if ((await page.locator('details.more-filters').getAttribute('open')) === null) {
    await openFilters(page);
  }
}

const codes = (page) => page.locator('table.tickets tbody td.code').allTextContents();

test('the list shows overdue and time left with the team, at 1280 and 390 px', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  const row = (code) => page.locator('table.tickets tbody tr', { has: page.locator('td.code', { hasText: code }) });
  const overdue = row('TKT-1').locator('.badge.sla-overdue');
  assert.match(await overdue.textContent(), /^Overdue 3[56] m$/);
  assert.match(await overdue.getAttribute('title'), /^First response was due \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  assert.match(await row('TKT-2').locator('.badge.sla-running').textContent(), /^2 h 1[01] m left$/);
  assert.match(await row('TKT-3').locator('.badge.sla-soon').textContent(), /^4[01] m left$/);
  assert.equal(await row('TKT-4').locator('.badge.sla').count(), 0, 'no clock, no badge');
  assert.equal(await row('TKT-1').locator('.team-tag').textContent(), 'Billing');
  await page.screenshot({ path: join(OUT, '01-list-1280.png'), fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  assert.match(await row('TKT-1').locator('.badge.sla-overdue').textContent(), /^Overdue/);
  assert.ok(await row('TKT-1').locator('.badge.sla-overdue').isVisible());
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(sideways, false, 'nothing scrolls sideways at 390 px');
  await page.screenshot({ path: join(OUT, '02-list-390.png'), fullPage: true });
  await page.close();
});

test('the header counts my breaches, links to them, and the poll keeps the count current', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  const breaches = page.locator('a.tally-breached');
  assert.equal(await breaches.locator('.count').textContent(), '1');
  await page.locator('header.topbar').screenshot({ path: join(OUT, '06-header-notices.png') });
  await Promise.all([page.waitForURL(/assignee=me&sla=breached&sort=due/), breaches.click()]);
  assert.deepEqual(await codes(page), ['TKT-1']);
  // Another breach of mine, found by the poll without a reload (it runs when the tab shows).
  await worker.sql(`UPDATE tickets SET assignee_id = ${sqlLiteral(owner.id)}, resolution_due_at = ${Date.now() - MIN} WHERE code = 'TKT-2'`);
  await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
  await page.waitForFunction(() => document.querySelector('a.tally-breached .count')?.textContent === '2');
  await page.close();
});
