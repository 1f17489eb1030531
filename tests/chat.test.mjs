// The chat API end to end: real `wrangler dev`, real local D1. A visitor starts a conversation,
// sends (a retried send writes once), reads after a cursor; another visitor gets 404; the
// scheduled purge deletes expired conversations and keeps tickets.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker, sqlLiteral } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

const ORIGIN = 'https://shop.example';

let worker;
let browser;
let agent;

before(async () => {
  worker = await startWorker({
    sites: [{ key: 'chat', allowed_origins: [ORIGIN] }, { key: 'purge', allowed_origins: [ORIGIN] }],
  });
  agent = await addOperator(worker, { site: 'chat', role: 'member', email: 'ada@chat.example', name: 'Ada Agent' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1100, height: 800 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function call(method, path, { token, key, body } = {}) {
  const headers = { origin: ORIGIN };
  if (token) headers.authorization = `Bearer ${token}`;
  if (key) headers['idempotency-key'] = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

const start = (site, token) => call('POST', `/api/v1/sites/${site}/conversations`, { token });
const sendMessage = (site, id, token, text, key = randomUUID()) =>
  call('POST', `/api/v1/sites/${site}/conversations/${id}/messages`, { token, key, body: { text } });
const read = (site, id, token, after = 0) =>
  call('GET', `/api/v1/sites/${site}/conversations/${id}/messages?after=${after}`, { token });

test('a visitor chats: a retried send writes once, reads resume from the cursor', async () => {
  const started = await start('chat');
  assert.equal(started.status, 201, JSON.stringify(started.body));
  assert.equal(started.headers.get('access-control-allow-origin'), ORIGIN);
  const { conversation, visitor_token: token } = started.body;

  const key = randomUUID();
  const first = await sendMessage('chat', conversation.id, token, 'Hello?', key);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.message.seq, 1);
  const retried = await sendMessage('chat', conversation.id, token, 'Hello?', key);
  assert.equal(retried.status, 200);
  assert.equal(retried.body.message.seq, 1);
  assert.equal((await sendMessage('chat', conversation.id, token, 'Line one\nline two')).status, 201);

  const all = await read('chat', conversation.id, token);
  assert.deepEqual(all.body.messages.map((m) => [m.seq, m.author, m.text]),
    [[1, 'visitor', 'Hello?'], [2, 'visitor', 'Line one\nline two']]);
  assert.equal(all.body.cursor, 2);
  const since = await read('chat', conversation.id, token, 1);
  assert.deepEqual(since.body.messages.map((m) => m.seq), [2]);

  const rows = await worker.sql(
    `SELECT count(*) AS n FROM conversation_messages WHERE conversation_id = ${sqlLiteral(conversation.id)}`);
  assert.equal(rows[0].n, 2);

  // Another visitor of the same site sees nothing, and cannot write.
  const stranger = (await start('chat')).body.visitor_token;
  assert.equal((await read('chat', conversation.id, stranger)).status, 404);
  assert.equal((await sendMessage('chat', conversation.id, stranger, 'Hi')).status, 404);
});

test('the Cron Trigger deletes conversations a day after their last message, never tickets', async () => {
  const { conversation: old, visitor_token: token } = (await start('purge')).body;
  const { conversation: live } = (await start('purge', token)).body;
  assert.equal((await sendMessage('purge', old.id, token, 'Old')).status, 201);
  assert.equal((await sendMessage('purge', live.id, token, 'New')).status, 201);
  const ticket = await call('POST', '/api/v1/sites/purge/tickets', {
    token, key: randomUUID(), body: { subject: 'Kept', description: 'From the chat' },
  });
  assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
  const day = 24 * 60 * 60 * 1000;
  await worker.sql(
    `UPDATE conversations SET expires_at = expires_at - ${day + 1000} WHERE id = ${sqlLiteral(old.id)}`);

  const run = await fetch(`${worker.baseUrl}/__scheduled?cron=17+*+*+*+*`);
  assert.equal(run.status, 200, await run.text());

  const left = await worker.sql(
    "SELECT c.id FROM conversations c JOIN sites s ON s.id = c.site_id WHERE s.key = 'purge'");
  assert.deepEqual(left.map((r) => r.id), [live.id]);
  const messages = await worker.sql(
    `SELECT count(*) AS n FROM conversation_messages WHERE conversation_id = ${sqlLiteral(old.id)}`);
  assert.equal(messages[0].n, 0);
  const tickets = await worker.sql(
    "SELECT count(*) AS n FROM tickets t JOIN sites s ON s.id = t.site_id WHERE s.key = 'purge'");
  assert.equal(tickets[0].n, 1);
  assert.match(worker.log(), /1 conversations \(1 messages\)/);
  assert.equal((await read('purge', old.id, token)).status, 404);
});

test('an operator answers from the inbox and the visitor reads the reply after their cursor', async () => {
  const { conversation, visitor_token: token } = (await start('chat')).body;
  assert.equal((await sendMessage('chat', conversation.id, token, 'Où est ma commande ? <b>42</b>')).status, 201);

  const page = await browser.newPage();
  await signIn(page, worker, agent);
  await page.goto(`${worker.baseUrl}/app/inbox`);
  const item = page.locator(`a[href="/app/conversations/${conversation.id}"]`);
  await item.waitFor();
  assert.ok(await page.locator('li.unread').count() >= 1, 'the new conversation is unread');
  await page.screenshot({ path: join(OUTPUT, 'chat-inbox.png'), fullPage: true });
  await item.click();
  await page.getByLabel('Reply').fill('Elle part demain.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(new RegExp(`/app/conversations/${conversation.id}$`));
  assert.equal(await page.locator('.message .text').last().textContent(), 'Elle part demain.');
  assert.equal(await page.locator('.message .text').first().textContent(), 'Où est ma commande ? <b>42</b>');
  await page.screenshot({ path: join(OUTPUT, 'chat-conversation.png'), fullPage: true });
  await page.close();

  const since = await read('chat', conversation.id, token, 1);
  assert.deepEqual(since.body.messages.map((m) => [m.seq, m.author, m.author_name, m.text]),
    [[2, 'operator', 'Ada Agent', 'Elle part demain.']]);
});

test('an operator reply reaches the visitor\'s open sockets through the live room', async () => {
  const { conversation, visitor_token: token } = (await start('chat')).body;
  const wsUrl = `${worker.baseUrl.replace('http', 'ws')}/api/v1/sites/chat/conversations/${conversation.id}/live?token=${encodeURIComponent(token)}`;

  // Without a valid token nobody joins.
  const refused = await fetch(wsUrl.replace(/token=[^&]+/, 'token=forged').replace('ws', 'http'));
  assert.equal(refused.status, 401);

  const open = (url) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const received = [];
    ws.addEventListener('message', (e) => received.push({ at: performance.now(), data: JSON.parse(e.data) }));
    ws.addEventListener('open', () => resolve({ ws, received }));
    ws.addEventListener('error', reject);
  });
  const visitor = await open(wsUrl);
  const secondTab = await open(wsUrl);

  const page = await browser.newPage();
  await signIn(page, worker, agent);
  const csrf = await page.locator('input[name="csrf"]').first().getAttribute('value');
  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  await page.close();

  const latencies = [];
  const rounds = 20;
  for (let i = 1; i <= rounds; i++) {
    const sentAt = performance.now();
    const res = await fetch(`${worker.baseUrl}/app/inbox/${conversation.id}/reply`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        origin: worker.baseUrl,
        cookie,
      },
      body: new URLSearchParams({ csrf, text: `Reply ${i}` }),
    });
    assert.equal(res.status, 303, await res.text());
    const deadline = Date.now() + 5000;
    while (visitor.received.length < i && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.equal(visitor.received.length, i, `reply ${i} reached the visitor's socket`);
    latencies.push(visitor.received[i - 1].at - sentAt);
  }
  assert.deepEqual(visitor.received.map((m) => m.data.text), Array.from({ length: rounds }, (_, i) => `Reply ${i + 1}`));
  assert.equal(visitor.received[0].data.author, 'operator');
  assert.equal(visitor.received[0].data.author_name, 'Ada Agent');
  assert.deepEqual(visitor.received.map((m) => m.data.seq), Array.from({ length: rounds }, (_, i) => i + 1));
  // The second tab got the same messages.
  const deadline = Date.now() + 5000;
  while (secondTab.received.length < rounds && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(secondTab.received.length, rounds);

  // A reconnect resumes from the cursor over HTTP: D1 is the record.
  const missed = await read('chat', conversation.id, token, rounds - 2);
  assert.deepEqual(missed.body.messages.map((m) => m.seq), [rounds - 1, rounds]);

  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  console.log(`operator reply (HTTP POST, D1 write, DO broadcast) → visitor socket: p50 ${pct(0.5)} ms, p95 ${pct(0.95)} ms over ${rounds}`);
  visitor.ws.close();
  secondTab.ws.close();
});

test('chat sends have their own rate budget: a client past the ticket form\'s 20 a minute still chats', async () => {
  const ip = '198.51.100.77';
  const post = (path, { token, body, key = randomUUID() } = {}) => fetch(`${worker.baseUrl}${path}`, {
    method: 'POST',
    headers: {
      origin: ORIGIN,
      'cf-connecting-ip': ip,
      'content-type': 'application/json',
      'idempotency-key': key,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let refused = 0;
  for (let i = 0; i < 21; i += 1) {
    const res = await post('/api/v1/sites/chat/tickets', { body: { subject: `Form ${i}`, description: 'x' } });
    if (res.status === 429) refused += 1;
  }
  assert.ok(refused >= 1, 'the ticket form\'s budget is spent');
  const started = await post('/api/v1/sites/chat/conversations');
  assert.equal(started.status, 201, await started.clone().text());
  const { conversation, visitor_token: token } = await started.json();
  for (let i = 1; i <= 5; i += 1) {
    const sent = await post(`/api/v1/sites/chat/conversations/${conversation.id}/messages`, { token, body: { text: `Still here ${i}` } });
    assert.equal(sent.status, 201, `send ${i}: ${await sent.text()}`);
  }
});
