// Labels as `Label > Sublabel` in a real browser against `wrangler dev` + a local D1: an
// operator labels tickets `Billing > Refund` and `Billing > Invoice` on the ticket page, filters
// the list by `Billing` (both) and by `Billing > Refund` (one), then renames `billing` to
// `payments` on the labels page (the sublabels follow, every ticket moves, each timeline says
// so), and a delete asks first. A member is refused the page. axe on the labels page;
// screenshots in tests/output/.

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
let member;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  member = await addOperator(worker, { site: 'shop', role: 'member', email: 'max@shop.example', name: 'Max Member' });
  for (const subject of ['Refund my order', 'Invoice is wrong', 'Parcel is late']) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Order 42.', requester: { name: 'Vera Visitor', email: 'vera@example.com' } }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), button.click()]);
}

/** The codes the list shows, in order. */
async function listed(page) {
  return page.locator('td.code a').allTextContents();
}

/** A shop ticket's labels, straight from D1. */
async function labelsOf(code) {
  const rows = await worker.sql(`SELECT l.label FROM ticket_labels l JOIN tickets t
    ON t.site_id = l.site_id AND t.id = l.ticket_id WHERE t.code = '${code}' ORDER BY l.label`);
  return rows.map((r) => r.label);
}

async function addLabel(page, code, label) {
  await page.goto(`${worker.baseUrl}/app/tickets/${code}`);
  await page.getByLabel('Add a label').fill(label);
  await submit(page, page.getByRole('button', { name: 'Add', exact: true }));
}

test('an operator filters by Billing > Refund, and renames Billing on the labels page', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);

  // Typed as people type; stored and shown in one spelling.
  await addLabel(page, 'TKT-1', 'Billing > Refund');
  assert.deepEqual(await page.locator('.labels .label').allTextContents(), ['billing > refund']);
  await addLabel(page, 'TKT-2', 'billing>Invoice');
  await addLabel(page, 'TKT-3', 'Billingx');
  assert.deepEqual(await labelsOf('TKT-2'), ['billing > invoice']);

  // The list's filter: a parent includes its sublabels, a sublabel is only itself.
  await page.goto(`${worker.baseUrl}/app/tickets`);
  const options = await page.locator('#f-labels option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['billing', 'billing > invoice', 'billing > refund', 'billingx'], 'the filter offers the tree');
  await page.locator('details.more-filters summary').click();
  await page.locator('#f-label').fill('Billing');
  await submit(page, page.getByRole('button', { name: 'Apply', exact: true }));
  assert.deepEqual((await listed(page)).sort(), ['TKT-1', 'TKT-2']);
  await page.goto(`${worker.baseUrl}/app/tickets?label=${encodeURIComponent('Billing > Refund')}`);
  assert.deepEqual(await listed(page), ['TKT-1']);
  assert.match(await page.locator('body').textContent(), /Label: billing > refund/);
  await page.screenshot({ path: join(OUTPUT, 'labels-filtered.png'), fullPage: true });

  // The labels page: the tree with counts, linked from the settings.
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  await submit(page, page.getByRole('link', { name: 'Labels', exact: true }));
  assert.match(page.url(), /\/app\/labels$/);
  const tree = await page.locator('table.label-tree tbody tr').allTextContents();
  assert.equal(tree.length, 4, tree.join(' | '));
  assert.match(tree[0], /billing.*only on sublabels.*2 tickets with its sublabels/);
  assert.match(tree[1], /billing > invoice.*1 ticket/);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), [], 'axe on the labels page');
  // Open the first row's changes, as a user would, for the screenshot.
  await page.locator('details.label-change summary').first().click();
  await page.screenshot({ path: join(OUTPUT, 'labels-page.png'), fullPage: true });

  // Rename the parent: both sublabels follow, on every ticket; a look-alike stays.
  const row = page.locator('table.label-tree tbody tr').first();
  await row.getByLabel('New name').fill('Payments');
  await submit(page, row.getByRole('button', { name: 'Rename' }));
  assert.match(await page.locator('p.notice').textContent(), /Renamed on every ticket/);
  assert.deepEqual(await labelsOf('TKT-1'), ['payments > refund']);
  assert.deepEqual(await labelsOf('TKT-2'), ['payments > invoice']);
  assert.deepEqual(await labelsOf('TKT-3'), ['billingx']);
  const [{ n }] = await worker.sql("SELECT COUNT(*) AS n FROM ticket_events WHERE kind = 'label_renamed'");
  assert.equal(n, 2, 'one event per ticket moved');
  await page.goto(`${worker.baseUrl}/app/tickets/TKT-1`);
  assert.match(await page.locator('body').textContent(), /Label renamed: billing > refund → payments > refund/);
  await page.goto(`${worker.baseUrl}/app/tickets?label=payments`);
  assert.deepEqual((await listed(page)).sort(), ['TKT-1', 'TKT-2']);

  // A rename onto a name in use is refused, saying to merge; nothing moves.
  await page.goto(`${worker.baseUrl}/app/labels`);
  const lookalike = page.locator('table.label-tree tbody tr', { hasText: 'billingx' });
  await lookalike.locator('summary').click();
  await lookalike.getByLabel('New name').fill('payments > refund');
  await submit(page, lookalike.getByRole('button', { name: 'Rename' }));
  assert.match(await page.locator('p.error[role=alert]').textContent(), /already in use.*merge/);
  assert.deepEqual(await labelsOf('TKT-3'), ['billingx']);

  // A delete asks first, listing what goes; then removes the label from every ticket.
  const doomed = page.locator('table.label-tree tbody tr', { hasText: 'billingx' });
  await doomed.locator('summary').click();
  await submit(page, doomed.getByRole('button', { name: 'Delete…' }));
  assert.match(page.url(), /\/app\/labels\/delete\?label=billingx$/);
  assert.match(await page.locator('main').textContent(), /billingx \(1 ticket\)/);
  assert.deepEqual(await labelsOf('TKT-3'), ['billingx'], 'asking deletes nothing');
  await page.screenshot({ path: join(OUTPUT, 'labels-delete-confirm.png'), fullPage: true });
  await submit(page, page.getByRole('button', { name: /from every ticket/ }));
  assert.deepEqual(await labelsOf('TKT-3'), []);
  await page.close();
});

test('a member is refused the labels page and sees no link to it', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, member);
  const res = await page.goto(`${worker.baseUrl}/app/labels`);
  assert.equal(res.status(), 403);
  await page.goto(`${worker.baseUrl}/app/settings/account`);
  assert.equal(await page.locator('a[href="/app/labels"]').count(), 0);
  await page.close();
});
