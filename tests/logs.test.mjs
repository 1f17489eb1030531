// The Worker's logs as an operator follows them: every answer carries `x-request-id`, and
// `wrangler dev`'s output holds one JSON line with that id — its route's template (never the
// path or query), site, status, duration and D1 round trips — for API calls, errors and the
// dashboard's error page (which shows the same id); a 500's line is an error with the
// database's detail; the cron run logs its own line.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { startWorker } from './support/wrangler.mjs';

let worker;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'acme' }] });
});

after(async () => {
  await worker?.stop();
});

/** The JSON log lines wrangler printed so far (other output skipped; wrangler wraps
 * `console.error`'s lines in an "✘ [ERROR]" prefix and colours, as the README's filter does). */
function logLines() {
  return worker
    .log()
    .split('\n')
    .map((line) => line.match(/\{"level".*\}/)?.[0])
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** The line with `request_id`, once wrangler has printed it. */
async function lineOf(requestId) {
  for (let i = 0; i < 40; i++) {
    const found = logLines().filter((l) => l.request_id === requestId);
    if (found.length > 0) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no log line with ${requestId} in:\n${worker.log()}`);
}

test('a request, an error and the dashboard error page each log one line under the id of their answer', async () => {
  const config = await fetch(`${worker.baseUrl}/api/v1/sites/acme/config`);
  assert.equal(config.status, 200);
  const id = config.headers.get('x-request-id');
  assert.match(id, /^[0-9a-f]{16}$/);
  const [line, ...more] = await lineOf(id);
  assert.equal(more.length, 0, 'one line per request');
  assert.equal(line.level, 'info');
  assert.equal(line.event, 'request');
  assert.equal(line.route, 'GET /api/v1/sites/{site}/config');
  assert.equal(line.site, 'acme');
  assert.equal(line.status, 200);
  assert.equal(typeof line.duration_ms, 'number');
  assert.ok(line.d1_round_trips >= 1, JSON.stringify(line));

  // A path with a ticket id and a query with a token: the line shows neither.
  const secret = 'f00d'.repeat(8);
  const read = await fetch(`${worker.baseUrl}/api/v1/sites/acme/tickets/${secret}?token=${secret}`);
  assert.ok(read.status >= 400, String(read.status));
  const readId = read.headers.get('x-request-id');
  assert.notEqual(readId, id);
  const [readLine] = await lineOf(readId);
  assert.equal(readLine.status, read.status);
  assert.equal(readLine.route, 'GET /api/v1/sites/{site}/tickets/{id}');
  assert.doesNotMatch(JSON.stringify(readLine), new RegExp(secret));
  const body = await read.json();
  assert.deepEqual(Object.keys(body), ['error'], 'the JSON error body is as before');

  const page = await fetch(`${worker.baseUrl}/app/nowhere`);
  assert.equal(page.status, 404);
  const pageId = page.headers.get('x-request-id');
  assert.match(await page.text(), new RegExp(`Reference: <code>${pageId}</code>`));
  const [pageLine] = await lineOf(pageId);
  assert.equal(pageLine.status, 404);
});

test('the cron run logs one line with what it expired', async () => {
  const before = logLines().filter((l) => l.event === 'cron').length;
  const run = await fetch(`${worker.baseUrl}/__scheduled?cron=17+*+*+*+*`);
  assert.equal(run.status, 200);
  let cron = [];
  for (let i = 0; i < 40 && cron.length <= before; i++) {
    await new Promise((r) => setTimeout(r, 100));
    cron = logLines().filter((l) => l.event === 'cron');
  }
  const line = cron.at(-1);
  assert.ok(line, `no cron line in:\n${worker.log()}`);
  assert.equal(line.level, 'info');
  assert.equal(line.cron, '17 * * * *');
  assert.equal(line.idempotency_keys, 0);
  assert.match(line.request_id, /^[0-9a-f]{16}$/);
  assert.ok(line.d1_round_trips >= 2, JSON.stringify(line));
});

test('a 500 logs an error line with its detail under the id of its answer', async () => {
  // Breaks the database under the Worker (last: the other tests need it whole).
  await worker.sql('DROP TABLE ticket_status_counts');
  const res = await fetch(`${worker.baseUrl}/api/v1/sites/acme/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ subject: 'Printer on fire', description: 'Third floor, my phone is 555-0100.' }),
  });
  assert.equal(res.status, 500);
  const body = await res.json();
  assert.equal(body.error.code, 'internal');
  const id = res.headers.get('x-request-id');
  const [line] = await lineOf(id);
  assert.equal(line.level, 'error');
  assert.equal(line.status, 500);
  assert.equal(line.route, 'POST /api/v1/sites/{site}/tickets');
  assert.match(line.error, /ticket_status_counts/);
  assert.doesNotMatch(worker.log(), /555-0100|Printer on fire/, 'never the visitor\'s text');
});
