// The ticket list in a real browser against `wrangler dev` + local D1: filter with the form and
// remove the filter by its chip, full-text search, page through the cursor, save a view and
// reopen it from the sidebar, move a card on the board (button and drag and drop), the phone
// layout (a screenshot, nothing scrolls sideways) and axe on the list and the board.
// Screenshots land in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');
const TICKETS = 62;

let worker;
let browser;
let owner;

function describeViolation(v) {
  const where = v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.split('\n').slice(1).join(' ').trim()})`);
  return `${v.id}: ${v.help} — ${where.join('; ')}`;
}

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'owen@shop.example', name: 'Owen Owner' });
  // Through the operator API, so every ticket goes through the create batch (and the index).
  for (let i = 1; i <= TICKETS; i += 1) {
    const subject = i === 1 ? 'Kettle whistles at night' : `Printer jam number ${i}`;
    const res = await fetch(`${worker.baseUrl}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'From the list e2e test.' }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await worker.sql("UPDATE tickets SET priority = 'urgent' WHERE code IN ('TKT-5', 'TKT-6')");
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const codes = (page) => page.locator('table.tickets tbody td.code').allTextContents();

test('filter with the form, see the count, remove the filter by its chip', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  assert.match(await page.locator('.match-count').textContent(), new RegExp(`^${TICKETS} tickets match`));
  assert.deepEqual((await codes(page)).slice(0, 2).sort(), ['TKT-5', 'TKT-6'], 'urgent first');
  await page.getByText('Filters and order').click();
  await page.getByLabel('Priority').selectOption('urgent');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForURL(/priority=urgent/);
  assert.deepEqual((await codes(page)).sort(), ['TKT-5', 'TKT-6']);
  assert.match(await page.locator('.match-count').textContent(), /^2 tickets match/);
  assert.equal(await page.locator('details.more-filters').getAttribute('open'), '', 'applied filters are shown');
  await page.getByRole('link', { name: 'Remove filter: Priority: Urgent' }).click();
  await page.waitForURL((url) => !url.search.includes('priority'));
  assert.equal((await codes(page)).length, 50);
  await page.close();
});

test('search finds a word by its prefix, ranked, and hostile text is harmless', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.getByRole('searchbox').fill('kett');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=kett/);
  assert.deepEqual(await codes(page), ['TKT-1']);
  assert.match(await page.locator('.match-count').textContent(), /^1 ticket matches/);
  await page.goto(`${worker.baseUrl}/app/tickets?q=${encodeURIComponent('"NEAR( kettle OR *')}`);
  assert.match(await page.locator('.match-count').textContent(), /^0 tickets match/);
  await page.close();
});

test('the cursor pages forward and back without repeats', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  const first = await codes(page);
  assert.equal(first.length, 50);
  await page.getByRole('link', { name: 'Next →' }).click();
  await page.waitForURL(/cursor=/);
  const second = await codes(page);
  assert.equal(second.length, TICKETS - 50);
  assert.equal(new Set([...first, ...second]).size, TICKETS, 'no duplicates, no gaps');
  assert.equal(await page.getByRole('link', { name: 'Next →' }).count(), 0);
  await page.getByRole('link', { name: '← Previous' }).click();
  await page.waitForURL(/cursor=/);
  assert.deepEqual(await codes(page), first);
  await page.close();
});

test('save a view, reopen it from the sidebar, rename and delete it', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets?priority=urgent`);
  await page.getByLabel('Save these filters as').fill('Burning');
  await page.getByRole('button', { name: 'Save view' }).click();
  await page.waitForURL(/priority=urgent/);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  await page.getByRole('link', { name: 'Burning' }).click();
  await page.waitForURL(/priority=urgent/);
  assert.deepEqual((await codes(page)).sort(), ['TKT-5', 'TKT-6']);
  assert.equal(await page.getByRole('link', { name: 'Burning' }).getAttribute('aria-current'), 'page');
  await page.screenshot({ path: join(OUTPUT, 'list-saved-view.png'), fullPage: true });

  await page.getByText('Edit Burning').click();
  await page.getByLabel('Name', { exact: true }).fill('On fire');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.waitForURL(/\/app\/tickets$/);
  assert.equal(await page.getByRole('link', { name: 'On fire' }).count(), 1);
  await page.getByText('Edit On fire').click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(/\/app\/tickets$/);
  assert.equal(await page.getByRole('link', { name: 'On fire' }).count(), 0);
  await page.close();
});

test('the board moves a card with its button and by drag and drop; axe on list and board', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  const list = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(list.violations.map(describeViolation), []);

  await page.getByRole('link', { name: 'Board' }).click();
  await page.waitForURL(/view=board/);
  const column = (status) => page.locator(`.board .column[data-status="${status}"]`);
  assert.equal(await column('open').locator('[data-code="TKT-5"]').count(), 1);
  await page.getByRole('button', { name: 'Move TKT-5 to Pending' }).click();
  await page.waitForURL(/view=board/);
  await column('pending').locator('[data-code="TKT-5"]').waitFor();
  assert.equal(await column('open').locator('[data-code="TKT-5"]').count(), 0);

  // Drag TKT-6 onto Pending: board.js submits the card's own form for that status.
  const card = page.locator('[data-code="TKT-6"]');
  assert.equal(await card.getAttribute('draggable'), 'true', 'board.js ran (CSP allows it)');
  await Promise.all([
    page.waitForEvent('framenavigated'),
    // Onto the column's heading, which is in view with the card: no scrolling mid-drag.
    card.dragTo(column('pending'), { sourcePosition: { x: 3, y: 3 }, targetPosition: { x: 20, y: 12 } }),
  ]);
  await page.waitForLoadState('load');
  await column('pending').locator('[data-code="TKT-6"]').waitFor();
  const rows = await worker.sql("SELECT code, status FROM tickets WHERE code IN ('TKT-5', 'TKT-6') ORDER BY code");
  assert.deepEqual(rows.map((r) => r.status), ['pending', 'pending']);

  await page.screenshot({ path: join(OUTPUT, 'list-board.png'), fullPage: true });
  const board = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(board.violations.map(describeViolation), []);
  await page.close();
});

test('on a 390 px phone the rows are cards and nothing scrolls sideways', async () => {
  const page = await browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, worker, owner);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `page is ${width}px wide`);
  const display = await page.locator('table.tickets tbody tr').first().evaluate((tr) => getComputedStyle(tr).display);
  assert.equal(display, 'block');
  await page.screenshot({ path: join(OUTPUT, 'list-phone.png'), fullPage: false });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);
  await page.close();
});
