// Load with faults: 300 simulated visitors over 3 sites create tickets through the public API,
// retrying with the same Idempotency-Key and body (some send twice at once), while `wrangler dev`
// is killed (SIGKILL) and restarted mid-run. Afterwards every acknowledged create exists exactly
// once, codes are unique and gapless per site, each ticket has exactly one `created` event, and
// nothing is half-written. Bounded: loopback only, 300 visitors, at most 40 attempts each.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { startWorker } from './support/wrangler.mjs';

const SITES = ['fault-a', 'fault-b', 'fault-c'];
const VISITORS = 300;
const CONCURRENCY = 24;
const MAX_ATTEMPTS = 40;

let worker;
/** Requests that got no answer: the kill has to have hit live traffic for the test to mean much. */
let unanswered = 0;

before(async () => {
  worker = await startWorker({ sites: SITES.map((key) => ({ key })) });
});

after(async () => {
  await worker?.stop();
});

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** One POST; `null` when no answer came (refused connection, reset, timeout). */
async function post(visitor) {
  try {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/${visitor.site}/tickets`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': visitor.key,
        // A distinct client per visitor: the per-client rate limit is not under test here.
        'cf-connecting-ip': visitor.ip,
      },
      body: JSON.stringify({ subject: visitor.subject, description: 'Sent under faults.' }),
      signal: AbortSignal.timeout(10_000),
    });
    // A reply cut off mid-body (the kill) is no answer either: the visitor sends again.
    const body = await res.json();
    return { status: res.status, body };
  } catch {
    unanswered += 1;
    return null;
  }
}

/** Sends until acknowledged (201 or 200), as the widget's queue does; the ticket it got. */
async function createUntilAcknowledged(visitor) {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    // Some visitors double-click: two identical requests at once.
    const tries = visitor.double && attempt === 1 ? [post(visitor), post(visitor)] : [post(visitor)];
    const answers = await Promise.all(tries);
    const acked = answers.find((a) => a && (a.status === 201 || a.status === 200));
    if (acked) {
      visitor.answers.push(...answers.filter(Boolean).map((a) => a.status));
      return acked.body.ticket;
    }
    for (const a of answers) {
      if (a && a.status < 500 && a.status !== 429) {
        throw new Error(`visitor ${visitor.subject}: refused ${a.status} ${JSON.stringify(a.body)}`);
      }
    }
    await pause(50 + Math.random() * 250);
  }
  throw new Error(`visitor ${visitor.subject}: no acknowledgement after ${MAX_ATTEMPTS} attempts`);
}

test('300 visitors under a mid-run kill: every acknowledged create exactly once, nothing half-written', { timeout: 240_000 }, async () => {
  const visitors = Array.from({ length: VISITORS }, (_, i) => ({
    site: SITES[i % SITES.length],
    key: randomUUID(),
    subject: `Fault visitor ${i}`,
    ip: `10.77.${i >> 8}.${i & 255}`,
    double: i % 7 === 0,
    answers: [],
  }));
  const acknowledged = new Map();
  let next = 0;
  let restarted = null;
  const worker_ = async () => {
    while (next < visitors.length) {
      const visitor = visitors[next++];
      const ticket = await createUntilAcknowledged(visitor);
      acknowledged.set(visitor.subject, { ...ticket, site: visitor.site });
      // A third of the way in, kill the Worker hard and bring it back.
      if (acknowledged.size === Math.floor(VISITORS / 3) && !restarted) {
        restarted = worker.restart();
      }
      // Some visitors retry after their acknowledgement too (a lost response, a reload).
      if (Math.random() < 0.2) {
        const again = await post(visitor);
        if (again && (again.status === 200 || again.status === 201)) {
          assert.equal(again.body.ticket.id, ticket.id, 'a replay answers with the same ticket');
        }
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker_));
  await restarted;
  assert.ok(restarted, 'the Worker was restarted mid-run');
  assert.ok(unanswered > 0, 'the kill cut requests in flight (else nothing was tested)');
  assert.equal(acknowledged.size, VISITORS);

  const rows = await worker.sql(`
    SELECT s.key AS site, t.id, t.number, t.code, t.subject,
           (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'created') AS created_events,
           (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id) AS events,
           (SELECT COUNT(*) FROM idempotency_keys k WHERE k.ticket_id = t.id) AS keys
    FROM tickets t JOIN sites s ON s.id = t.site_id
    WHERE s.key IN ('fault-a', 'fault-b', 'fault-c')
    ORDER BY s.key, t.number`);

  // Every acknowledged create exists exactly once, as acknowledged.
  const bySubject = Map.groupBy(rows, (r) => r.subject);
  for (const [subject, ticket] of acknowledged) {
    const found = bySubject.get(subject) ?? [];
    assert.equal(found.length, 1, `${subject}: ${found.length} tickets`);
    assert.equal(found[0].id, ticket.id);
    assert.equal(found[0].code, ticket.code);
    assert.equal(found[0].site, ticket.site);
  }
  assert.equal(rows.length, VISITORS, 'no ticket that nobody acknowledged');

  // Codes per site: unique and gapless, 1..n.
  for (const site of SITES) {
    const numbers = rows.filter((r) => r.site === site).map((r) => r.number);
    assert.deepEqual(numbers, Array.from({ length: VISITORS / SITES.length }, (_, i) => i + 1), site);
    const [{ next_ticket_number: nextNumber }] = await worker.sql(
      `SELECT next_ticket_number FROM sites WHERE key = '${site}'`);
    assert.equal(nextNumber, VISITORS / SITES.length + 1, `${site}: the counter took no extra numbers`);
  }

  // Nothing half-written: each ticket with exactly its one event and its one key, and no key
  // or event without its ticket.
  for (const r of rows) {
    assert.deepEqual([r.created_events, r.events, r.keys], [1, 1, 1], r.code);
  }
  const [{ orphans }] = await worker.sql(`
    SELECT (SELECT COUNT(*) FROM idempotency_keys k WHERE NOT EXISTS
              (SELECT 1 FROM tickets t WHERE t.id = k.ticket_id))
         + (SELECT COUNT(*) FROM ticket_events e WHERE NOT EXISTS
              (SELECT 1 FROM tickets t WHERE t.id = e.ticket_id)) AS orphans`);
  assert.equal(orphans, 0);
  assert.match(worker.log(), /Ready on/);
});
