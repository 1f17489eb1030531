// Pending, waiting on the customer, end to end: an operator replies "and wait for the customer"
// on the ticket page; the visitor's widget shows the ticket as "Waiting for your reply" (My
// tickets and its thread); the visitor replies and the ticket is back on the team, which the
// list's filter and the board's pending column show. Screenshots under tests/output/waiting/.
//
//   node --test tests/waiting.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';

import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'waiting');

let host;
let worker;
let browser;
let owner;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [host.origin] }] });
  host.setWorker(worker);
  owner = await addOperator(worker, { site: 'demo', role: 'owner', email: 'olga@demo.example', name: 'Olga Owner' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
});

const launcher = (page) => page.locator('ticketbooth-widget button.l');
const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });

async function load(page) {
  await page.goto(`${host.origin}/demo/?site=demo`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
}

async function ticketRow(code) {
  const [row] = await worker.sql(`SELECT status, waiting_on_customer, waiting_on FROM tickets WHERE code = ${sqlLiteral(code)}`);
  return row;
}

test('a reply "and wait for the customer" shows as "Waiting for your reply"; the visitor\'s answer hands it back to the team', async () => {
  // The visitor opens a ticket from the widget.
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await visitor.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await load(page);
  await launcher(page).click();
  await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
  await page.getByLabel('Subject').fill('Refund not received');
  await page.getByLabel('What happened?').fill('I returned the order two weeks ago.');
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await panel(page).locator('.code', { hasText: /^TKT-\d+$/ }).waitFor();
  const code = await panel(page).locator('.code').textContent();

  // The operator asks a question and waits for the customer.
  const staff = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const op = await staff.newPage();
  await signIn(op, worker, owner);
  await op.goto(`${worker.baseUrl}/app/tickets/${code}`);
  await op.getByLabel('Add a comment').fill('Which card did you pay with?');
  await op.locator('label.choice.public').click();
  await op.getByLabel(/and wait for the customer/).check();
  await op.screenshot({ path: join(OUT, '01-reply-and-wait-form.png'), fullPage: true });
  await Promise.all([op.waitForNavigation(), op.getByRole('button', { name: 'Add comment' }).click()]);
  await op.locator('.badge.waiting-customer').waitFor();
  assert.equal(await op.locator('#waiting-on').inputValue(), 'customer', 'the waiting form shows the side');
  await op.getByText('Waiting on the team → waiting on the customer').waitFor();
  await op.screenshot({ path: join(OUT, '02-ticket-waiting-on-customer.png'), fullPage: true });
  const axe = await new AxeBuilder({ page: op }).analyze();
  assert.deepEqual(axe.violations.map((v) => v.id), [], 'axe on the ticket page');
  assert.deepEqual(await ticketRow(code), { status: 'pending', waiting_on_customer: 1, waiting_on: 'customer' });

  // The visitor sees it in their words, in My tickets and in the thread.
  await load(page);
  await launcher(page).click();
  await panel(page).getByRole('button', { name: 'My tickets' }).click();
  const row = panel(page).getByRole('button', { name: new RegExp(code) });
  await row.locator('.st', { hasText: 'Waiting for your reply' }).waitFor();
  await page.screenshot({ path: join(OUT, '03-my-tickets-waiting-for-your-reply.png') });
  await row.click();
  const thread = panel(page).locator('section', { has: page.getByRole('textbox', { name: 'Your reply' }) });
  await thread.locator('li', { hasText: 'Which card did you pay with?' }).waitFor();
  assert.equal(await thread.locator('.st').textContent(), 'Waiting for your reply');
  const widgetAxe = await new AxeBuilder({ page }).include('ticketbooth-widget').analyze();
  assert.deepEqual(widgetAxe.violations.map((v) => v.id), [], 'axe on the thread');

  // The visitor answers: the ticket is the team's again.
  await page.getByRole('textbox', { name: 'Your reply' }).fill('The Visa ending 1234.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await thread.locator('li', { hasText: 'The Visa ending 1234.' }).waitFor();
  await thread.locator('.st', { hasText: "We're on it" }).waitFor();
  await page.screenshot({ path: join(OUT, '04-thread-after-reply.png') });
  assert.deepEqual(await ticketRow(code), { status: 'pending', waiting_on_customer: 0, waiting_on: 'team' });

  // The list's filter: waiting on the team shows it, waiting on the customer does not.
  await op.goto(`${worker.baseUrl}/app/tickets`);
  await op.getByText('Filters and order').click();
  await op.getByLabel('Pending, waiting on').selectOption('team');
  await Promise.all([op.waitForNavigation(), op.getByRole('button', { name: 'Apply', exact: true }).click()]);
  assert.match(op.url(), /waiting=team/);
  await op.getByRole('link', { name: code, exact: true }).waitFor();
  await op.screenshot({ path: join(OUT, '05-list-waiting-on-team.png'), fullPage: true });
  // The board's pending column names the side on each card.
  await op.goto(`${worker.baseUrl}/app/tickets?view=board&waiting=team`);
  await op.locator('.column[data-status=pending] .badge.waiting-team').first().waitFor();
  await op.screenshot({ path: join(OUT, '05b-board-waiting-on-team.png'), fullPage: true });
  await op.goto(`${worker.baseUrl}/app/tickets?waiting=customer`);
  assert.equal(await op.getByRole('link', { name: code, exact: true }).count(), 0);
  await op.goto(`${worker.baseUrl}/app/tickets/${code}`);
  await op.getByText('Waiting on the customer → waiting on the team').waitFor();
  await op.screenshot({ path: join(OUT, '06-timeline-handed-back.png'), fullPage: true });

  assert.deepEqual(errors, []);
  await staff.close();
  await visitor.close();
});
