// The SLA clock against `wrangler dev` + a local D1: an owner sets an SLA policy on its
// settings page (Chromium; a wrong value is refused field by field) and a webhook; a new
// ticket gets its first-response due time from the policy; once that time has passed, the
// Cron Trigger (`/__scheduled`, the per-minute string) records the breach once — the
// `sla_breached` event on the ticket page's timeline, the `ticket.sla_breached` webhook
// delivered to a receiver on 127.0.0.1 — and a second run writes nothing. The Worker's clock
// is the real one: the test moves the ticket's due time into the past rather than waiting.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
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
let hook;
const received = new Map();

before(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const id = req.headers['ticketbooth-event-id'];
      if (!received.has(id)) received.set(id, JSON.parse(body));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
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
  hook?.close();
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

test('a missed first response is recorded once by the Cron Trigger, on the timeline and the webhook', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/webhooks`);
  await page.getByLabel('Receiver URL').fill(`http://127.0.0.1:${hook.address().port}/hooks`);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('#webhook-secret').waitFor();

  // A wrong value first: refused, with the field named, and nothing saved.
  await page.goto(`${worker.baseUrl}/app/settings/sla`);
  await page.getByLabel('Normal first response').fill('soon');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText('Nothing was saved').waitFor();
  assert.equal(await page.getByLabel('Normal first response').getAttribute('aria-invalid'), 'true');
  const [unsaved] = await worker.sql("SELECT sla_policy FROM sites WHERE key = 'shop'");
  assert.equal(unsaved.sla_policy, null);
  await page.screenshot({ path: join(OUTPUT, 'sla-settings-error.png'), fullPage: true });

  await page.getByLabel('Normal first response').fill('10m');
  await page.getByLabel('Normal resolution').fill('1d');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/done=saved/);
  await page.getByText('SLA policy saved').waitFor();
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'sla-settings.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUTPUT, 'sla-settings-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Where is my parcel?', description: 'Order 77.', requester: { name: 'Ada', email: 'ada@example.com' } }),
  });
  assert.equal(res.status, 201);
  const { ticket } = await res.json();
  const [clock] = await worker.sql(
    `SELECT created_at, first_response_due_at, resolution_due_at FROM tickets WHERE id = '${ticket.id}'`,
  );
  assert.equal(clock.first_response_due_at - clock.created_at, 10 * 60_000);
  assert.equal(clock.resolution_due_at - clock.created_at, 24 * 60 * 60_000);

  // Not due yet: the per-minute run finds nothing.
  let run = await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(run.status, 200, await run.text());
  assert.equal((await worker.sql(`SELECT count(*) AS n FROM ticket_events WHERE ticket_id = '${ticket.id}' AND kind = 'sla_breached'`))[0].n, 0);

  // Eleven minutes later, as far as the ticket knows.
  await worker.sql(`UPDATE tickets SET first_response_due_at = first_response_due_at - 11 * 60000 WHERE id = '${ticket.id}'`);
  run = await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(run.status, 200, await run.text());
  const delivered = await until(() => received.get(`sb_${ticket.id}_fr`), 'the breach webhook');
  assert.equal(delivered.event.type, 'ticket.sla_breached');
  assert.equal(delivered.event.data.target, 'first_response');
  assert.equal(delivered.event.data.code, ticket.code);
  assert.match(delivered.text, new RegExp(`SLA breached on ${ticket.code}: first response overdue`));
  assert.match(worker.log(), /"sla_breaches":1/);

  // Again: nothing more (the target is marked).
  run = await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  assert.equal(run.status, 200);
  const events = await worker.sql(`SELECT data FROM ticket_events WHERE ticket_id = '${ticket.id}' AND kind = 'sla_breached'`);
  assert.equal(events.length, 1);
  assert.equal((await worker.sql(`SELECT count(*) AS n FROM notifications WHERE kind = 'ticket.sla_breached'`))[0].n, 1);

  await page.goto(`${worker.baseUrl}/app/tickets/${ticket.code}`);
  await page.getByText('First-response target missed').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'sla-ticket-breached.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUTPUT, 'sla-ticket-breached-390.png'), fullPage: true });
  await page.close();
});
