// The reports page in a real browser against `wrangler dev` + a local D1: tickets come in
// through the widget's API and the operators' API, then D1 gets what the other parts of the
// team workflow record (an e-mail source, first replies, resolutions, SLA targets, a team,
// labels and intents). The owner opens /app/reports from the dashboard's nav, sees every
// section's chart and table with those numbers, axe finds nothing, the CSV downloads with its
// header, a bad range is refused on the page, and a member gets the 403 page.
// Screenshots at 1280 and 390 px in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');
const MIN = 60_000;
const HOUR = 60 * MIN;

let worker;
let browser;
let owner;
let member;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  member = await addOperator(worker, { site: 'shop', role: 'member', email: 'max@shop.example', name: 'Max Member' });
  const subjects = ['Refund my order', 'Invoice is wrong', 'Parcel is late', 'Cannot log in', 'Wrong size'];
  for (const subject of subjects) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Order 42.', requester: { name: 'Vera Visitor', email: 'vera@example.com' } }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  const res = await fetch(`${worker.baseUrl}/api/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Called in: broken zip', description: 'By phone.' }),
  });
  assert.equal(res.status, 201, await res.text());
  // What the SLA clock, the teams and the e-mail parts record, straight into D1.
  await worker.sql(`
    INSERT INTO teams (site_id, name, created_at) SELECT id, 'Billing', 0 FROM sites WHERE key = 'shop';
    UPDATE tickets SET source = 'email' WHERE number IN (2, 3);
    UPDATE tickets SET first_responded_at = created_at + ${20 * MIN} WHERE number IN (1, 2, 6);
    UPDATE tickets SET first_responded_at = created_at + ${3 * HOUR} WHERE number = 3;
    UPDATE tickets SET first_response_due_at = created_at + ${HOUR} WHERE number <= 4;
    UPDATE tickets SET status = 'resolved', resolved_at = created_at + ${2 * HOUR},
                       resolution_due_at = created_at + ${8 * HOUR} WHERE number IN (1, 2);
    UPDATE tickets SET team_id = (SELECT id FROM teams WHERE name = 'Billing') WHERE number IN (3, 4);
    UPDATE tickets SET intent = 'refund' WHERE number IN (1, 5);
    UPDATE tickets SET intent = 'order_status' WHERE number = 3;
    INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
      SELECT site_id, id, 'billing > refund', 0 FROM tickets WHERE number IN (1, 2);
    INSERT INTO ticket_labels (site_id, ticket_id, label, created_at)
      SELECT site_id, id, 'vip', 0 FROM tickets WHERE number = 3;`);
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

test('an owner reads the reports, downloads a section as CSV, and axe finds nothing', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Reports', exact: true }).click()]);
  assert.match(page.url(), /\/app\/reports$/);
  assert.equal(await page.locator('h1').textContent(), 'Reports');

  // Every section: an image named by its title, and a table of its numbers.
  const charts = page.getByRole('img');
  assert.equal(await charts.count(), 11);
  assert.ok(await page.getByRole('img', { name: 'Tickets created per day' }).isVisible());
  const created = page.locator('#created-caption').locator('xpath=..');
  const total = await created.locator('tbody tr').last().locator('td').allTextContents();
  // widget, bot, operator, api, email, total
  assert.deepEqual(total, ['3', '0', '0', '1', '2', '6']);
  const firstResponse = await page.locator('#first_response-caption').locator('xpath=..').locator('tbody tr').allTextContents();
  assert.match(firstResponse[0], /^Week of \d{4}-\d{2}-\d{2}420 min3 h$/, firstResponse.join(' | '));
  const attainment = await page.locator('#attainment-caption').locator('xpath=..').locator('tbody tr').last().locator('td').allTextContents();
  // First response: 1, 2 met; 3 late; 4 not yet due (running). Resolution: 1, 2 met.
  assert.deepEqual(attainment, ['2', '1', '1', '67%', '2', '0', '0', '100%']);
  const backlog = await page.locator('#backlog-caption').locator('xpath=..').locator('tbody tr').allTextContents();
  assert.deepEqual(backlog, ['Open4', 'Pending0', 'Team: Billing2', 'Team: No team2']);
  assert.deepEqual(await page.locator('#labels-caption').locator('xpath=..').locator('tbody th').allTextContents(), ['billing > refund', 'vip']);
  assert.deepEqual(await page.locator('#intents-caption').locator('xpath=..').locator('tbody tr').allTextContents(), ['refund2', 'order_status1']);

  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [], 'axe on the reports page');
  await page.screenshot({ path: join(OUTPUT, 'reports-desktop.png'), fullPage: true });

  // A phone: the charts scale to the column, the wide tables scroll inside their region.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page itself does not scroll sideways (${overflow} px)`);
  const region = page.locator('.table-scroll').first();
  const scrolls = await region.evaluate((el) => el.scrollWidth > el.clientWidth);
  assert.ok(scrolls, 'the per-day table scrolls inside its region');
  const phoneAxe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(phoneAxe.violations.map((v) => `${v.id}: ${v.help}`), [], 'axe at 390 px');
  await page.screenshot({ path: join(OUTPUT, 'reports-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // The CSV: a download with its name and header.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download tickets per day as CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^reports-shop-created-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines[0], 'day,widget,bot,operator,api,email,total');
  assert.equal(lines.length, 31, 'a row per day of the last 30');

  // A range that is not one is refused on the page, with the dates as typed.
  await page.goto(`${worker.baseUrl}/app/reports`);
  await page.getByLabel('From', { exact: true }).fill('2026-06-30');
  await page.getByLabel('To', { exact: true }).fill('2026-06-01');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Show' }).click()]);
  assert.match(await page.getByRole('alert').textContent(), /The start date is after the end date/);
  assert.equal(await page.getByLabel('From', { exact: true }).inputValue(), '2026-06-30');
  await page.close();
});

test('a member gets the 403 page and no link to the reports', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, member);
  assert.equal(await page.getByRole('link', { name: 'Reports', exact: true }).count(), 0);
  const res = await page.goto(`${worker.baseUrl}/app/reports`);
  assert.equal(res.status(), 403);
  assert.match(await page.locator('body').textContent(), /Your role does not allow this/);
  const csv = await fetch(`${worker.baseUrl}/app/reports.csv`, { headers: { authorization: `Bearer ${member.token}` } });
  assert.equal(csv.status, 403);
  await page.close();
});
