// Topic and intent in a real browser against `wrangler dev` + local D1: an operator filters the
// list and the board by intent (typed as a person would, normalised), by "Human-created"
// source, and classifies a ticket on its page (a screenshot of the page showing it, and axe).
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
  const tickets = [
    { subject: 'Charged twice for order 1234', topic: 'billing', intent: 'refund_request' },
    { subject: 'Need a copy of my invoice', topic: 'Billing', intent: 'Invoice copy' },
    { subject: 'Parcel arrived broken', topic: 'shipping', intent: 'refund-request' },
    { subject: 'Printer makes a noise' },
  ];
  for (const body of tickets) {
    const res = await fetch(`${worker.baseUrl}/api/v1/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}`, 'idempotency-key': randomUUID() },
      body: JSON.stringify({ description: 'From the classify e2e test.', ...body }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  // TKT-3 as the bot would have opened it: AI-escalated.
  await worker.sql("UPDATE tickets SET source = 'bot' WHERE code = 'TKT-3'");
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const codes = async (page) => (await page.locator('table.tickets tbody td.code').allTextContents()).sort();
const cards = async (page) => (await page.locator('.board .board-card').evaluateAll((els) => els.map((e) => e.dataset.code))).sort();

test('an operator filters the list and the board by intent, and by human-created source', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  assert.deepEqual(await codes(page), ['TKT-1', 'TKT-2', 'TKT-3', 'TKT-4']);
  await page.getByText('Filters and order').click();
  // Typed as a person would: the list reads it as the slug.
  await page.getByLabel('Intent').fill('Refund request');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForURL(/intent=Refund/);
  assert.deepEqual(await codes(page), ['TKT-1', 'TKT-3']);
  assert.match(await page.locator('.match-count').textContent(), /^2 tickets match/);
  await page.getByRole('link', { name: 'Remove filter: Intent: refund_request' }).waitFor();
  const sources = await page.locator('table.tickets tbody td.subject .badge').allTextContents();
  assert.deepEqual(sources.sort(), ['AI-escalated', 'Human-created (API)']);
  await page.screenshot({ path: join(OUTPUT, 'classify-list.png'), fullPage: true });

  // The board keeps the filter; and filters by itself from its own form.
  // The layout switch carries the query in its canonical spelling.
  await page.getByRole('link', { name: 'Board' }).click();
  await page.waitForURL(/view=board/);
  assert.match(page.url(), /intent=refund_request/);
  assert.deepEqual(await cards(page), ['TKT-1', 'TKT-3']);
  await page.getByRole('link', { name: 'Remove filter: Intent: refund_request' }).click();
  await page.waitForURL((url) => !url.search.includes('intent'));
  assert.deepEqual(await cards(page), ['TKT-1', 'TKT-2', 'TKT-3', 'TKT-4']);
  await page.getByText('Filters and order').click();
  await page.getByLabel('Intent').fill('invoice_copy');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForURL(/intent=invoice_copy/);
  assert.match(page.url(), /view=board/);
  assert.deepEqual(await cards(page), ['TKT-2']);
  await page.screenshot({ path: join(OUTPUT, 'classify-board.png'), fullPage: true });

  // Source as the product names it: Human-created is the dashboard's and the API's tickets.
  await page.goto(`${worker.baseUrl}/app/tickets`);
  await page.getByText('Filters and order').click();
  await page.getByLabel('Source').selectOption({ label: 'Human-created' });
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await page.waitForURL(/source=human/);
  assert.deepEqual(await codes(page), ['TKT-1', 'TKT-2', 'TKT-4']);
  await page.close();
});

test('an operator classifies a ticket on its page, with the site\'s values suggested', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets/TKT-4`);
  const form = page.locator('form.classify');
  assert.match(await page.locator('dd.classification').textContent(), /Not classified/);
  const suggested = await page.locator('datalist#classify-topics option').evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(suggested, ['billing', 'shipping']);
  await form.getByLabel('Topic').fill('Shipping');
  await form.getByLabel('Intent').fill('Damaged parcel');
  await form.getByRole('button', { name: 'Classify' }).click();
  await page.waitForURL(/\/app\/tickets\/TKT-4$/);
  const shown = page.locator('dd.classification');
  assert.equal(await shown.locator('a.class-tag.topic').textContent(), 'topic shipping');
  assert.equal(await shown.locator('a.class-tag.intent').textContent(), 'intent damaged_parcel');
  assert.equal(await form.getByLabel('Intent').inputValue(), 'damaged_parcel');
  assert.match(await page.locator('.timeline').textContent(), /Classified: topic shipping, intent damaged_parcel/);
  assert.match(await page.locator('.ticket .meta').textContent(), /Human-created/);
  await page.screenshot({ path: join(OUTPUT, 'classify-ticket.png'), fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);
  // The intent's tag leads to the list filtered by it.
  await shown.locator('a.class-tag.intent').click();
  await page.waitForURL(/intent=damaged_parcel/);
  assert.deepEqual(await codes(page), ['TKT-4']);
  await page.close();
});
