// The site's bot in a visitor's conversation, against `wrangler dev` + a local D1, with the LLM
// provider played by tests/support/llm.mjs (the Chat Completions wire format, streamed): an
// owner sets the bot up in the dashboard (Chromium; the key pasted, stored sealed); a visitor
// describes a billing problem over the chat API with the conversation's WebSocket open; the
// model calls `open_ticket`; the ticket exists once, linked, with the model's priority and
// summary; the socket hears the reply being typed, the ticket's card and the reply naming the
// code; a provider that never answers leaves the fallback message, and an operator can still
// answer.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { hang, startLlm, text, toolCall } from './support/llm.mjs';
import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

let llm;
let worker;
let browser;
let owner;

before(async () => {
  llm = await startLlm();
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await llm?.stop();
});

async function call(method, path, { token, body } = {}) {
  const headers = { 'content-type': 'application/json', 'idempotency-key': randomUUID() };
  if (token) headers.authorization = `Bearer ${token}`;
  const started = performance.now();
  const res = await fetch(`${worker.baseUrl}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json(), ms: performance.now() - started };
}

function listen(id, token) {
  const url = `${worker.baseUrl.replace('http', 'ws')}/api/v1/sites/shop/conversations/${id}/live?token=${encodeURIComponent(token)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames = [];
    ws.addEventListener('message', (e) => frames.push(JSON.parse(e.data)));
    ws.addEventListener('open', () => resolve({ ws, frames }));
    ws.addEventListener('error', reject);
  });
}

async function until(check, what, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('an owner sets up the bot; the pasted key is never shown again', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  await page.getByLabel('Answer visitors with the bot').check();
  await page.getByLabel('Bot name').fill('Robin');
  await page.getByLabel('API base URL').fill(llm.baseUrl);
  await page.getByLabel('Model', { exact: true }).fill('gpt-test');
  await page.getByLabel('API key', { exact: true }).fill('sk-e2e-secret');
  await page.getByLabel('Time limit in seconds (1–60)').fill('3');
  await page.getByRole('button', { name: 'Save the bot' }).click();
  await page.waitForURL(/done=saved/);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'bot-settings.png'), fullPage: true });
  assert.equal((await page.content()).includes('sk-e2e-secret'), false);
  await page.close();
});

test('the model opens a ticket mid-chat: once, linked, and the reply names it', async () => {
  const { body: started } = await call('POST', '/api/v1/sites/shop/conversations');
  const { id } = started.conversation;
  const token = started.visitor_token;
  const socket = await listen(id, token);
  llm.script(
    toolCall('call_billing_1', 'open_ticket', {
      subject: 'Charged twice for order 1234', description: 'The visitor was charged twice on Monday.',
      priority: 'high', summary: 'Double charge; wants one refunded.', requester_name: null, requester_email: null,
    }),
    // Word by word, 20 ms apart: long enough for more than one typing frame (at most one
    // every 100 ms).
    text('I\'ve ', 'opened ', 'ticket ', 'TKT-1 ', 'for ', 'our ', 'billing ', 'team', '.'),
  );
  const sent = await call('POST', `/api/v1/sites/shop/conversations/${id}/messages`, { token, body: { text: 'I was charged twice for order 1234' } });
  assert.equal(sent.status, 201);
  console.log(`visitor's send answered in ${sent.ms.toFixed(0)} ms (the bot runs after it)`);

  const reply = await until(() => socket.frames.find((f) => f.author === 'bot'), "the bot's reply");
  assert.equal(reply.text, "I've opened ticket TKT-1 for our billing team.");
  assert.equal(reply.author_name, 'Robin');
  const typing = socket.frames.filter((f) => f.typing).map((f) => f.typing.text);
  assert.ok(typing.length >= 2, `typed as it streamed: ${JSON.stringify(typing)}`);
  assert.ok(typing.every((t) => reply.text.startsWith(t.trim())), 'each frame is the text so far');
  const card = socket.frames.find((f) => f.ticket);
  assert.equal(card.ticket.code, 'TKT-1');
  socket.ws.close();

  // The provider got the conversation, the tools and the key the owner pasted.
  const first = llm.requests[0];
  assert.equal(first.headers.authorization, 'Bearer sk-e2e-secret');
  assert.equal(first.body.stream, true);
  // `hand_off` too, in a conversation only (tests/escalation.test.mjs).
  assert.deepEqual(first.body.tools.map((t) => t.function.name), ['open_ticket', 'get_ticket_status', 'hand_off']);
  assert.equal(first.body.messages.at(-1).content, 'I was charged twice for order 1234');
  const toolResult = llm.requests[1].body.messages.at(-1);
  assert.equal(toolResult.role, 'tool');
  assert.equal(toolResult.tool_call_id, 'call_billing_1');

  const rows = await worker.sql("SELECT code, source, priority, summary FROM tickets");
  assert.deepEqual(rows, [{ code: 'TKT-1', source: 'bot', priority: 'high', summary: 'Double charge; wants one refunded.' }]);
  const [links] = await worker.sql('SELECT count(*) AS n FROM ticket_conversations');
  assert.equal(links.n, 1);
  const { body: chat } = await call('GET', `/api/v1/sites/shop/conversations/${id}/messages`, { token });
  assert.deepEqual(chat.messages.map((m) => m.author), ['visitor', 'system', 'bot']);
});

test('a provider that never answers: the fallback message, and an operator can still answer', async () => {
  const { body: started } = await call('POST', '/api/v1/sites/shop/conversations');
  const { id } = started.conversation;
  const token = started.visitor_token;
  llm.script(hang());
  const sent = await call('POST', `/api/v1/sites/shop/conversations/${id}/messages`, { token, body: { text: 'Hello?' } });
  assert.equal(sent.status, 201);
  const chat = await until(async () => {
    const { body } = await call('GET', `/api/v1/sites/shop/conversations/${id}/messages`, { token });
    return body.messages.some((m) => m.author === 'bot') && body;
  }, 'the fallback');
  assert.match(chat.messages.find((m) => m.author === 'bot').text, /Our team will follow up/);
  // The failure hands the conversation to a person: the widget's note follows.
  await until(async () => {
    const { body } = await call('GET', `/api/v1/sites/shop/conversations/${id}/messages`, { token });
    return body.messages.some((m) => m.escalated);
  }, 'the escalation');

  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/conversations/${id}`);
  await page.getByLabel('Reply').fill('Hi, I am here to help.');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(new RegExp(`/app/conversations/${id}$`));
  const { body: after } = await call('GET', `/api/v1/sites/shop/conversations/${id}/messages`, { token });
  assert.equal(after.messages.at(-1).text, 'Hi, I am here to help.');
  await page.close();
});
