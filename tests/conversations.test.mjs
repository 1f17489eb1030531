// Operators turn conversations into tickets, in headless Chromium against `wrangler dev` + a
// local D1: the conversation page's "Create ticket" form comes prefilled from the chat; the
// ticket page shows the conversation beside the ticket body; a second conversation is attached
// by code; a customer-facing comment on the ticket appears in the visitor's chat; the Cron
// Trigger's purge deletes the conversations and the ticket keeps its transcript. axe: 0
// violations on the conversation and ticket pages; screenshots in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

let worker;
let browser;
let agent;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  agent = await addOperator(worker, { site: 'shop', role: 'member', email: 'ada@shop.example', name: 'Ada Agent' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function call(method, path, { token, body } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (method === 'POST' && path.endsWith('/messages')) headers['idempotency-key'] = randomUUID();
  const res = await fetch(`${worker.baseUrl}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

async function visitorSays(...lines) {
  const { body } = await call('POST', '/api/v1/sites/shop/conversations');
  for (const text of lines) {
    const sent = await call('POST', `/api/v1/sites/shop/conversations/${body.conversation.id}/messages`, { token: body.visitor_token, body: { text } });
    assert.equal(sent.status, 201);
  }
  return { id: body.conversation.id, token: body.visitor_token };
}

async function axeClean(page) {
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`), []);
}

test('an operator answers, makes a ticket of the chat, attaches another, and the visitor sees the reply', async () => {
  const first = await visitorSays('My parcel never arrived', 'Order 77, sent last week');
  const second = await visitorSays('Same here: order 78 is missing too');
  const page = await browser.newPage();
  await signIn(page, worker, agent);
  await page.goto(`${worker.baseUrl}/app/conversations`);
  await page.locator(`a[href="/app/conversations/${first.id}"]`).click();
  await page.getByLabel('Reply').fill('Sorry about that — let me check with the carrier.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(new RegExp(`/app/conversations/${first.id}$`));

  await page.getByText('Create a ticket from this conversation').click();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'My parcel never arrived');
  assert.equal(await page.getByLabel('Description').inputValue(), 'My parcel never arrived\n\nOrder 77, sent last week');
  await axeClean(page);
  await page.screenshot({ path: join(OUTPUT, 'conversation-page.png'), fullPage: true });
  await page.getByLabel('Subject').fill('Parcel 77 lost in transit');
  await page.getByRole('button', { name: 'Create ticket' }).click();
  await page.waitForURL(/\/app\/tickets\/TKT-\d+$/);
  const code = new URL(page.url()).pathname.split('/').pop();

  // The visitor's chat shows the ticket as a card.
  const chat = await call('GET', `/api/v1/sites/shop/conversations/${first.id}/messages`, { token: first.token });
  assert.equal(chat.body.messages.at(-1).ticket.code, code);

  // Attach the second conversation from its page.
  await page.goto(`${worker.baseUrl}/app/conversations/${second.id}`);
  await page.getByLabel('Ticket code').fill(code);
  await page.getByRole('button', { name: 'Attach' }).click();
  await page.waitForURL(new RegExp(`/app/tickets/${code}$`));
  assert.equal(await page.locator('.linked-chat').count(), 2);
  assert.match(await page.locator('.linked-chat').first().innerText(), /Human-handled/);
  assert.match(await page.locator('.linked-chat').nth(1).innerText(), /Unanswered/);

  // A reply to the customer on the ticket reaches both chats.
  await page.getByLabel('Add a comment').fill('A new parcel leaves today.');
  await page.locator('label.choice.public').click();
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.waitForURL(new RegExp(`/app/tickets/${code}`));
  for (const c of [first, second]) {
    const { body } = await call('GET', `/api/v1/sites/shop/conversations/${c.id}/messages`, { token: c.token });
    assert.equal(body.messages.at(-1).text, 'A new parcel leaves today.');
    assert.equal(body.messages.at(-1).author_name, 'Ada Agent');
  }
  await axeClean(page);
  await page.screenshot({ path: join(OUTPUT, 'ticket-with-conversations.png'), fullPage: true });

  // The purge removes the conversations; the ticket keeps its transcript and its links.
  await worker.sql(`UPDATE conversations SET expires_at = 0 WHERE id IN (${sqlLiteral(first.id)}, ${sqlLiteral(second.id)})`);
  const purge = await fetch(`${worker.baseUrl}/__scheduled`);
  assert.equal(purge.status, 200);
  const [left] = await worker.sql('SELECT count(*) AS n FROM conversations');
  assert.equal(left.n, 0);
  await page.reload();
  assert.equal(await page.locator('.linked-chat').count(), 2);
  assert.match(await page.locator('.linked-chats').innerText(), /Ended/);
  assert.match(await page.locator('ol.transcript').innerText(), /Order 77, sent last week/);
  await page.close();
});

test("the conversation page shows the visitor's new messages live, without a reload", async () => {
  const chat = await visitorSays('Is anyone there?');
  const page = await browser.newPage();
  await signIn(page, worker, agent);
  await page.goto(`${worker.baseUrl}/app/conversations/${chat.id}`);
  await page.waitForLoadState('load');
  await page.waitForTimeout(300); // the socket opens after load
  const timings = [];
  for (const text of ['Hello?', 'Order 99, please <b>help</b>']) {
    const sent = performance.now();
    const res = await call('POST', `/api/v1/sites/shop/conversations/${chat.id}/messages`, { token: chat.token, body: { text } });
    assert.equal(res.status, 201);
    await page.locator('.message .text', { hasText: text }).waitFor({ timeout: 5_000 });
    timings.push(performance.now() - sent);
  }
  console.log(`visitor send → operator page render: ${timings.map((t) => `${t.toFixed(0)} ms`).join(', ')}`);
  assert.equal(await page.locator('.message').count(), 3);
  assert.equal(await page.locator('.message b').count(), 0, 'text, never markup');
  await page.close();
});
