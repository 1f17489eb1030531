// Operator notifications through a Cloudflare Queue, against `wrangler dev` (its local queue)
// + a local D1: an owner sets a webhook in the dashboard (Chromium) and gets the signing
// secret once; a receiver on 127.0.0.1 checks every signature, answers 500 twice then 200, and
// drops repeats by event id: a new ticket is recorded exactly once, after retries with
// backoff; the widget's create is answered without waiting for the receiver; the settings page
// shows the delivery, and "Send a test event" arrives too.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

/** A receiver as a site's developer would write one: verify, refuse stale, dedupe, record. */
function receiver() {
  const state = { secret: null, failuresLeft: 2, attempts: 0, events: new Map(), refused: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      state.attempts += 1;
      const [t, v1] = (req.headers['ticketbooth-signature'] ?? '').split(',').map((p) => p.split('=')[1]);
      const expected = createHmac('sha256', state.secret ?? '').update(`${t}.${body}`).digest('hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(t)) < 300;
      if (!v1 || v1.length !== expected.length || !timingSafeEqual(Buffer.from(v1), Buffer.from(expected)) || !fresh) {
        state.refused += 1;
        res.writeHead(401).end();
        return;
      }
      if (state.failuresLeft > 0) {
        state.failuresLeft -= 1;
        res.writeHead(500).end();
        return;
      }
      const id = req.headers['ticketbooth-event-id'];
      if (!state.events.has(id)) state.events.set(id, JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  return { server, state };
}

let hook;
let worker;
let browser;
let owner;

before(async () => {
  hook = receiver();
  await new Promise((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop' }],
    vars: { WEBHOOK_RETRY_SECONDS: '1', DASHBOARD_ORIGIN: 'https://tickets.example.com' },
  });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  hook?.server.close();
});

async function until(check, what, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a new ticket reaches the webhook once, signed, after two failures', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/webhooks`);
  await page.getByLabel('Receiver URL').fill(`http://127.0.0.1:${hook.server.address().port}/hooks`);
  await page.getByRole('button', { name: 'Save' }).click();
  hook.state.secret = await page.locator('#webhook-secret').inputValue();
  assert.match(hook.state.secret, /^whsec_[0-9a-f]{64}$/);

  const started = performance.now();
  const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Printer on fire', description: 'Third floor.', requester: { name: 'Ada', email: 'ada@example.com' } }),
  });
  assert.equal(res.status, 201);
  const { ticket } = await res.json();
  console.log(`create answered in ${(performance.now() - started).toFixed(0)} ms; the receiver is not waited for`);

  const event = await until(() => hook.state.events.get(`tc_${ticket.id}`), 'the delivery');
  assert.equal(event.event.type, 'ticket.created');
  assert.equal(event.event.data.code, ticket.code);
  assert.equal(event.event.url, `https://tickets.example.com/app/tickets/${ticket.code}`);
  assert.match(event.text, /New ticket TKT-1 on Shop: Printer on fire \(from Ada\)/);
  assert.equal(hook.state.refused, 0, 'every signature verified');
  assert.equal(hook.state.attempts, 3, '500, 500, then 200');
  assert.equal(hook.state.events.size, 1);

  const [row] = await worker.sql(`SELECT attempts, last_status, delivered_at IS NOT NULL AS delivered FROM notifications WHERE id = 'tc_${ticket.id}'`);
  assert.deepEqual(row, { attempts: 3, last_status: 200, delivered: 1 });

  await page.goto(`${worker.baseUrl}/app/settings/webhooks`);
  assert.match(await page.locator('table.list').innerText(), /ticket\.created[\s\S]*3[\s\S]*Delivered/);
  await page.getByRole('button', { name: 'Send a test event' }).click();
  await page.waitForURL(/done=test/);
  await until(() => [...hook.state.events.keys()].find((id) => id.startsWith('test_')), 'the test event');
  await page.reload();
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'webhooks-settings.png'), fullPage: true });
  await page.close();
});
