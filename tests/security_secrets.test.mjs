// Issue 18 §1 against `wrangler dev` + a local D1: no tenant can make the Worker send one of its
// own secrets. The LLM provider is tests/support/llm.mjs, which records every request with all
// its headers. The Worker runs with a VISITOR_TOKEN_SECRET and a SECRETS_KEY this test chose
// (and checks it does: a visitor token's key id, a sealed value's key id), so it can look for
// them in everything the provider received:
// - a site seeded with old bot settings that name VISITOR_TOKEN_SECRET has its bot off: the
//   provider receives nothing, and the bots page asks for the key;
// - the old form (a secret's name in `api_key_secret`) is refused and changes nothing;
// - an owner pastes the provider key: stored sealed, never shown again, and it reaches the
//   provider as `Authorization: Bearer <pasted key>`;
// - no request to the provider ever carries VISITOR_TOKEN_SECRET or SECRETS_KEY.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { startLlm, text } from './support/llm.mjs';
import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { startWorker, sqlLiteral } from './support/wrangler.mjs';

const VISITOR_TOKEN_SECRET = randomBytes(32).toString('hex');
const SECRETS_KEY = randomBytes(32).toString('hex');
const PASTED_KEY = `sk-e2e-pasted-${randomBytes(8).toString('hex')}`;

/** The public id of a secret, as the Worker derives it (8 hex digits of a labelled SHA-256). */
const keyId = (label, secret) => createHash('sha256').update(`${label}|${secret}`).digest('hex').slice(0, 8);

let llm;
let worker;
let browser;
let owner;
let legacyOwner;

before(async () => {
  llm = await startLlm();
  const oldBot = JSON.stringify({
    name: 'Robin', base_url: llm.baseUrl, model: 'gpt-test', api_key_secret: 'VISITOR_TOKEN_SECRET',
    system_prompt: '', max_rounds: 2, timeout_seconds: 5,
  });
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop' }, { key: 'legacy', name: 'Legacy' }],
    vars: { VISITOR_TOKEN_SECRET, SECRETS_KEY },
  });
  await worker.sql(`UPDATE sites SET bot = ${sqlLiteral(oldBot)} WHERE key = 'legacy'`);
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  legacyOwner = await addOperator(worker, { site: 'legacy', role: 'owner', email: 'lee@legacy.example', name: 'Lee Legacy' });
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
  const res = await fetch(`${worker.baseUrl}${path}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
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

/** A visitor on `site` says `text`: the conversation, its token and the visitor token. */
async function visitorSays(site, message) {
  const { body: started } = await call('POST', `/api/v1/sites/${site}/conversations`);
  const { id } = started.conversation;
  const token = started.visitor_token;
  const sent = await call('POST', `/api/v1/sites/${site}/conversations/${id}/messages`, { token, body: { text: message } });
  assert.equal(sent.status, 201);
  return { id, token };
}

test('the Worker runs with the secrets this test chose', async () => {
  const { token } = await visitorSays('shop', 'Hello');
  // v2.<key id>.<visitor>.<issued at>.<mac>
  assert.equal(token.split('.')[1], keyId('ticketbooth visitor token key id', VISITOR_TOKEN_SECRET));
});

test('a site whose old bot settings name VISITOR_TOKEN_SECRET: bot off, the provider gets nothing', async () => {
  const { id, token } = await visitorSays('legacy', 'Please help me');
  // Give a bot that would run time to call (it answers within a second when it runs).
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(llm.requests.length, 0, 'no request reached the provider');
  const { body: chat } = await call('GET', `/api/v1/sites/legacy/conversations/${id}/messages`, { token });
  assert.deepEqual(chat.messages.map((m) => m.author), ['visitor']);

  const page = await browser.newPage();
  await signIn(page, worker, legacyOwner);
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  const html = await page.content();
  assert.match(html, /The bot is off/);
  assert.equal(await page.getByLabel('Answer visitors with the bot').isChecked(), false);
  await page.close();
});

test('the old form, naming a Worker secret, is refused and changes nothing', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  const csrf = await page.locator('form[action="/app/settings/bots/assistant"] input[name="csrf"]').inputValue();
  // Posted from the dashboard's own page, as a hand-made form would be.
  const status = await page.evaluate(async ({ csrf, baseUrl }) => {
    const res = await fetch('/app/settings/bots/assistant', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf, enabled: '1', name: 'Robin', base_url: baseUrl, model: 'gpt-test',
        api_key_secret: 'VISITOR_TOKEN_SECRET', max_rounds: '2', timeout_seconds: '5', system_prompt: '',
      }),
      redirect: 'manual',
    });
    return res.status;
  }, { csrf, baseUrl: llm.baseUrl });
  assert.equal(status, 422);
  const [site] = await worker.sql("SELECT bot FROM sites WHERE key = 'shop'");
  assert.equal(site.bot, null);
  await visitorSays('shop', 'Anyone there?');
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(llm.requests.length, 0);
  await page.close();
});

test("the owner's pasted key is sealed, never shown, and the only key the provider gets", async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  await page.getByLabel('Answer visitors with the bot').check();
  await page.getByLabel('Bot name').fill('Robin');
  await page.getByLabel('API base URL').fill(llm.baseUrl);
  await page.getByLabel('Model', { exact: true }).fill('gpt-test');
  await page.getByLabel('API key', { exact: true }).fill(PASTED_KEY);
  await page.getByLabel('Time limit in seconds (1–60)').fill('5');
  await page.getByRole('button', { name: 'Save the bot' }).click();
  await page.waitForURL(/done=saved/);
  const html = await page.content();
  assert.match(html, /A key is set/);
  assert.equal(html.includes(PASTED_KEY), false, 'never shown again');
  await page.close();

  // Sealed under this Worker's SECRETS_KEY; nothing in D1 holds the key in clear.
  const rows = await worker.sql('SELECT s.key, x.name, x.key_id, x.ciphertext, s.bot FROM site_secrets x JOIN sites s ON s.id = x.site_id');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].key, 'shop');
  assert.equal(rows[0].name, 'provider_key');
  assert.equal(rows[0].key_id, keyId('ticketbooth secrets key id', SECRETS_KEY));
  assert.equal(JSON.stringify(rows).includes(PASTED_KEY), false);

  llm.script(text('Hello, ', 'how can I help?'));
  const { id, token } = await visitorSays('shop', 'Hello bot');
  await until(async () => {
    const { body } = await call('GET', `/api/v1/sites/shop/conversations/${id}/messages`, { token });
    return body.messages.some((m) => m.author === 'bot');
  }, "the bot's reply");
  assert.equal(llm.requests.length, 1);
  assert.equal(llm.requests[0].headers.authorization, `Bearer ${PASTED_KEY}`);
});

test('no request the provider received carries a deployment secret', () => {
  assert.ok(llm.requests.length >= 1, 'the provider was called at least once');
  for (const request of llm.requests) {
    const everything = JSON.stringify(request);
    assert.equal(everything.includes(VISITOR_TOKEN_SECRET), false, 'VISITOR_TOKEN_SECRET');
    assert.equal(everything.includes(SECRETS_KEY), false, 'SECRETS_KEY');
  }
});
