// Teams and routing in a real browser against `wrangler dev` + a local D1: an owner creates
// two teams (Billing with two members, Technical) and a rule "topic is billing → Billing" on
// the teams page; a bot (its key made on the bots page) opens two tickets with topic billing
// over the tool route and one about shipping: the billing ones land on Billing, assigned
// round-robin to its two members, and the ticket's timeline names the rule; the other gets no
// team. axe on the teams page; screenshots at 1280 and 390 px in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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
let ben;
let bea;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  ben = await addOperator(worker, { site: 'shop', role: 'member', email: 'ben@shop.example', name: 'Ben Billing' });
  bea = await addOperator(worker, { site: 'shop', role: 'member', email: 'bea@shop.example', name: 'Bea Billing' });
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

test('a rule sends billing tickets to Billing, round-robin, and the timeline names the rule', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);

  // Two teams, Billing with two members.
  await page.goto(`${worker.baseUrl}/app/teams`);
  for (const name of ['Billing', 'Technical']) {
    await page.getByLabel('New team').fill(name);
    await submit(page, page.getByRole('button', { name: 'Create team' }));
    assert.match(await page.locator('[role=status]').innerText(), /Team created/);
  }
  const billing = page.locator('article.team', { has: page.getByRole('heading', { name: 'Billing' }) });
  for (const person of ['Ben Billing', 'Bea Billing']) {
    await billing.getByLabel('Add a member').selectOption({ label: person });
    await submit(page, billing.getByRole('button', { name: 'Add', exact: true }));
  }
  assert.deepEqual((await billing.locator('.team-members li bdi').allTextContents()).sort(), ['Bea Billing', 'Ben Billing']);

  // The rule: topic billing → Billing.
  const form = page.locator('form.new-rule');
  await form.getByLabel('Topic').fill('Billing');
  await form.getByLabel('Team').selectOption({ label: 'Billing' });
  await submit(page, form.getByRole('button', { name: 'Add rule' }));
  const [{ id: ruleId }] = await worker.sql('SELECT id FROM routing_rules');
  assert.match(await page.locator('table.rules tbody tr').first().innerText(), /topic is billing/);

  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), [], 'axe on the teams page');
  await page.screenshot({ path: join(OUTPUT, 'teams-page.png'), fullPage: true });
  const narrow = await browser.newPage();
  await narrow.setViewportSize({ width: 390, height: 844 });
  await signIn(narrow, worker, owner);
  await narrow.goto(`${worker.baseUrl}/app/teams`);
  const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the teams page is ${width} px wide at 390`);
  await narrow.screenshot({ path: join(OUTPUT, 'teams-page-390.png'), fullPage: true });
  await narrow.close();

  // A bot key, then the bot opens tickets over the tool route.
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  await page.getByLabel('Name', { exact: true }).fill('Support assistant');
  await page.getByRole('button', { name: 'Create bot key' }).click();
  const botKey = await page.locator('#key-value').inputValue();
  const open = async (subject, topic, call) => {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tools/open_ticket`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${botKey}`, 'tool-call-id': call },
      body: JSON.stringify({ subject, description: 'Order 1234.', topic }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    return JSON.parse(text).code;
  };
  const first = await open('Charged twice', 'billing', 'call_1');
  const second = await open('Refund please', 'billing', 'call_2');
  const other = await open('Parcel is late', 'shipping', 'call_3');
  const placed = await worker.sql(`SELECT t.code, tm.name AS team, o.name AS assignee FROM tickets t
    LEFT JOIN teams tm ON tm.id = t.team_id LEFT JOIN operators o ON o.id = t.assignee_id ORDER BY t.number`);
  const byCode = Object.fromEntries(placed.map((r) => [r.code, r]));
  assert.equal(byCode[first].team, 'Billing');
  assert.equal(byCode[second].team, 'Billing');
  assert.deepEqual([byCode[first].assignee, byCode[second].assignee].sort(), ['Bea Billing', 'Ben Billing'], 'one each, in turn');
  assert.equal(byCode[other].team, null);
  assert.equal(byCode[other].assignee, null);

  // The ticket page: its team in the select, and the timeline names the rule.
  await page.goto(`${worker.baseUrl}/app/tickets/${first}`);
  assert.equal(await page.getByLabel('Team', { exact: true }).inputValue(), String((await worker.sql("SELECT id FROM teams WHERE name = 'Billing'"))[0].id));
  const timeline = await page.locator('body').innerText();
  assert.match(timeline, new RegExp(`Team No team → Billing by routing rule ${ruleId}`));
  assert.match(timeline, new RegExp(`→ ${byCode[first].assignee} by routing rule ${ruleId}`));
  await page.screenshot({ path: join(OUTPUT, 'teams-routed-ticket.png'), fullPage: true });
  await page.close();
});
