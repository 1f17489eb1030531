// The outbound policy against `wrangler dev` (issue 18 §3): a webhook receiver on 127.0.0.1
// that answers every delivery with a 302 to a second local server — the Worker does not follow
// it, so the second server receives NO request, and the settings page shows the attempt as
// "refused: redirect" (a status class, never the raw error); and the settings pages refuse
// `http://localhost:1@evil.example/` (user `localhost` at evil.example, not this machine) and
// friends as a webhook receiver and as a bot's provider, storing nothing.
//
// The harness passes OUTBOUND_ALLOW_LOOPBACK_HTTP=1 (every double here listens on 127.0.0.1).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import { addOperator } from './support/operators.mjs';
import { startWorker } from './support/wrangler.mjs';

/** A local server that records every request and answers with `answer(req, res)`. */
async function server(answer) {
  const requests = [];
  const srv = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      answer(req, res);
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { requests, url: `http://127.0.0.1:${srv.address().port}`, close: () => srv.close() };
}

let worker;
let owner;
let elsewhere;
let receiver;

before(async () => {
  // Where a redirect would send the signed POST: must never hear from the Worker.
  elsewhere = await server((_req, res) => res.writeHead(200).end('ok'));
  receiver = await server((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/stolen` }).end());
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop' }],
    vars: { WEBHOOK_RETRY_SECONDS: '1' },
  });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  elsewhere?.close();
});

/** A dashboard form POSTed as a script would: with the owner's API token (no CSRF needed). */
function postForm(path, fields) {
  return fetch(`${worker.baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

async function until(check, what, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a receiver that redirects is not followed: its target gets nothing, the page shows the class', async () => {
  const saved = await postForm('/app/settings/webhooks', { url: `${receiver.url}/hook` });
  assert.equal(saved.status, 201, await saved.text());

  const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Printer on fire', description: 'Third floor.', requester: { name: 'Ada', email: 'ada@example.com' } }),
  });
  assert.equal(res.status, 201);
  const { ticket } = await res.json();

  // The first attempt is recorded once its fetch is over: a followed redirect would have
  // reached `elsewhere` within it.
  await until(async () => {
    const [row] = await worker.sql(`SELECT attempts FROM notifications WHERE id = 'tc_${ticket.id}'`);
    return row?.attempts >= 1;
  }, 'a delivery attempt');
  assert.ok(receiver.requests.length >= 1, 'the receiver was asked');
  assert.ok(receiver.requests.every((r) => r.method === 'POST' && r.url === '/hook'));
  assert.deepEqual(elsewhere.requests.map((r) => `${r.method} ${r.url}`), [], 'the redirect target received no request');

  const [row] = await worker.sql(`SELECT last_status, last_error, delivered_at FROM notifications WHERE id = 'tc_${ticket.id}'`);
  assert.deepEqual(row, { last_status: 302, last_error: 'refused: redirect', delivered_at: null });

  const page = await fetch(`${worker.baseUrl}/app/settings/webhooks`, { headers: { authorization: `Bearer ${owner.token}` } });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Retrying: refused: redirect|Failed<\/strong>: refused: redirect/);
  assert.ok(!html.includes(elsewhere.url) && !html.includes('/stolen'), 'nothing of where it pointed');
});

test('the settings pages refuse a URL whose user name only looks local, and store nothing', async () => {
  const [before] = await worker.sql("SELECT webhook_url, bot FROM sites WHERE key = 'shop'");
  for (const url of ['http://localhost:1@evil.example/', 'https://user:pass@evil.example/', 'http://10.0.0.1/']) {
    const hook = await postForm('/app/settings/webhooks', { url });
    assert.equal(hook.status, 422, `webhook ${url}: ${hook.status}`);
    const bot = await postForm('/app/settings/bots/assistant', {
      enabled: '1', name: 'Robin', base_url: url, model: 'gpt-test', api_key_secret: '',
      system_prompt: '', max_rounds: '3', timeout_seconds: '20',
    });
    assert.equal(bot.status, 422, `bot ${url}: ${bot.status}`);
  }
  const [after] = await worker.sql("SELECT webhook_url, bot FROM sites WHERE key = 'shop'");
  assert.deepEqual(after, before, 'nothing changed');
  assert.equal(after.bot, null);
});
