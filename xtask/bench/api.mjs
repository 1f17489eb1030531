// The API load benchmark (`cargo xtask bench`): a local `wrangler dev` with its own D1, load
// from this process, to 127.0.0.1 only, bounded in time and in request count.
//
//   read    GET /api/v1/sites/bench/config, 1 connection
//   create  POST /api/v1/sites/bench/tickets with distinct Idempotency-Keys, 20 connections
//   replay  POST with one key and body (answered from the idempotency row), 20 connections
//
// After the create run it checks D1: one ticket per 201, numbered 1..n without gaps.
// Numbers are for comparing runs on the same machine; wrangler dev is not the edge.
// Env: TICKETBOOTH_BENCH_SECONDS (default 10) per scenario.

import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';

import { startWorker } from '../../tests/support/wrangler.mjs';

const SECONDS = Number(process.env.TICKETBOOTH_BENCH_SECONDS ?? 10);
const MAX_REQUESTS = 20_000;

const worker = await startWorker({ sites: [{ key: 'bench' }] });
try {
  const base = `${worker.baseUrl}/api/v1/sites/bench`;
  const post = (key, subject) => fetch(`${base}/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ subject, description: 'Load test ticket.' }),
  });

  // Warm the Worker up (first request instantiates the Wasm).
  await (await fetch(`${base}/config`)).arrayBuffer();

  const results = [];
  results.push(await scenario('read  (GET config, c=1)', 1, () => fetch(`${base}/config`)));
  const created = await scenario('create (POST, c=20)', 20, (i) => post(randomUUID(), `Load ${i}`));
  results.push(created);
  const replayKey = randomUUID();
  await (await post(replayKey, 'Replayed')).arrayBuffer();
  results.push(await scenario('replay (POST same key, c=20)', 20, () => post(replayKey, 'Replayed')));

  console.log('');
  console.log('scenario                          requests  errors    req/s   p50 ms   p95 ms   p99 ms');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(32)} ${String(r.count).padStart(9)} ${String(r.errors).padStart(7)} ` +
      `${r.rps.toFixed(0).padStart(8)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.p99)}`);
  }

  // Correctness under load: every 201 is one row, numbered without gaps.
  const [row] = await worker.sql(
    "SELECT count(*) AS n, min(number) AS lo, max(number) AS hi FROM tickets " +
    "JOIN sites ON sites.id = tickets.site_id WHERE sites.key = 'bench'");
  const expected = created.byStatus[201] + 1; // + the replay scenario's ticket
  assert.equal(row.n, expected, `tickets in D1 vs 201s: ${JSON.stringify(row)}`);
  assert.deepEqual([row.lo, row.hi], [1, expected], 'numbers are gapless');
  console.log(`\nD1 check: ${row.n} tickets, numbered 1..${row.hi} without gaps`);
  if (results.some((r) => r.errors > 0)) {
    throw new Error('some requests failed: ' + JSON.stringify(results.map((r) => [r.name, r.byStatus])));
  }
} finally {
  await worker.stop();
}

/** Runs `request` from `connections` loops for SECONDS (or MAX_REQUESTS) and measures it. */
async function scenario(name, connections, request) {
  const deadline = Date.now() + SECONDS * 1000;
  const latencies = [];
  const byStatus = {};
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const loop = async () => {
    while (Date.now() < deadline && issued < MAX_REQUESTS) {
      const i = issued++;
      const t0 = performance.now();
      try {
        const res = await request(i);
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        if (res.status >= 400) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return {
    name, count: latencies.length, errors, byStatus, rps: latencies.length / elapsed,
    p50: pct(0.5), p95: pct(0.95), p99: pct(0.99),
  };
}

function fmt(ms) {
  return ms.toFixed(1).padStart(8);
}
