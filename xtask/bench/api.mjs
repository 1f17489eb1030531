// The API load benchmark (`cargo xtask bench`): Ticketbooth's Worker and a minimal TypeScript
// baseline (xtask/bench/baseline/: the same site read and the same create batch on the same
// schema), each under its own local `wrangler dev` with its own D1, measured side by side in
// one run, alternating, from this process, to 127.0.0.1 only, bounded in time and count.
//
//   read    GET …/config                 at 1 and 20 connections
//   create  POST …/tickets, distinct keys at 1 and 20 connections
//   replay  POST one key and body (ours only: answered from the idempotency row)
//
// Creates rotate over BENCH_SITES sites and client addresses, so the rate limits (per client
// and per site, a minute) are not what is measured. After the runs it checks D1: one ticket
// per 201, numbered 1..n per site without gaps. Numbers compare runs on the same machine;
// wrangler dev is not the edge. Env: TICKETBOOTH_BENCH_SECONDS (default 8) per scenario.
//
// A third target, "bare", is the same Rust Worker under a wrangler.toml without `[assets]`
// (written into target/ at run time): locally, Workers Static Assets puts a router Worker in
// front of ours on every request (run_worker_first), a hop the baseline, which serves no
// assets, does not take. Ours vs bare is that hop; bare vs ts is the two Workers' own cost.
// A fourth, "ts+rl", is the baseline spending the same two Rate Limiting budgets before its
// create as ours does (RATE_LIMITED=1): the same work as our create, where "ts" does less.

import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT, startWorker } from '../../tests/support/wrangler.mjs';

const SECONDS = Number(process.env.TICKETBOOTH_BENCH_SECONDS ?? 8);
const MAX_REQUESTS = 20_000;
const BENCH_SITES = 40;
const sites = Array.from({ length: BENCH_SITES }, (_, i) => ({ key: `bench-${i}` }));

/** The project's wrangler.toml without `[assets]` (and without `[build]`: built already), in
 * target/, its paths made absolute. */
function bareConfig() {
  const toml = readFileSync(join(ROOT, 'wrangler.toml'), 'utf8');
  const sections = toml.split(/^(?=\[)/m);
  const kept = sections.filter((s) => !/^\[(assets|build)\]/.test(s)).join('')
    .replace(/^main = "([^"]+)"/m, (_, p) => `main = "${join(ROOT, p)}"`)
    .replace(/^migrations_dir = "([^"]+)"/m, (_, p) => `migrations_dir = "${join(ROOT, p)}"`);
  const dir = join(ROOT, 'target', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'wrangler.bare.toml');
  writeFileSync(file, kept);
  // wrangler reads the local secrets beside the config.
  writeFileSync(join(dir, '.dev.vars'), readFileSync(join(ROOT, '.dev.vars')));
  return file;
}

const NAMES = ['ours', 'bare', 'baseline', 'baselineRl'];
const ours = await startWorker({ sites });
const bare = await startWorker({ sites, config: bareConfig() });
const baseline = await startWorker({
  sites,
  config: join(ROOT, 'xtask', 'bench', 'baseline', 'wrangler.toml'),
});
const baselineRl = await startWorker({
  sites,
  config: join(ROOT, 'xtask', 'bench', 'baseline', 'wrangler.toml'),
  vars: { RATE_LIMITED: '1' },
});
try {
  const targets = { ours, bare, baseline, baselineRl };
  const clients = { ours: 0, bare: 0, baseline: 0, baselineRl: 0 };
  const post = (name, key, subject, site) => fetch(`${targets[name].baseUrl}/api/v1/sites/${site}/tickets`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': key,
      // Cloudflare sets this at its edge; wrangler dev passes it through. One address per
      // request: the per-client limit (20 a minute) is not under test.
      'cf-connecting-ip': `10.${(clients[name] >> 16) & 255}.${(clients[name] >> 8) & 255}.${clients[name]++ & 255}`,
    },
    body: JSON.stringify({ subject, description: 'Load test ticket.' }),
  });
  const config = (name, i) => fetch(`${targets[name].baseUrl}/api/v1/sites/bench-${i % BENCH_SITES}/config`);

  // Warm both up (the first request instantiates the Worker).
  for (const name of NAMES) await (await config(name, 0)).arrayBuffer();

  const rows = [];
  for (const [label, connections, make] of [
    ['read   GET config', 1, (name) => (i) => config(name, i)],
    ['read   GET config', 20, (name) => (i) => config(name, i)],
    ['create POST ticket', 1, (name) => (i) => post(name, randomUUID(), `Load ${i}`, `bench-${i % BENCH_SITES}`)],
    ['create POST ticket', 20, (name) => (i) => post(name, randomUUID(), `Load ${i}`, `bench-${i % BENCH_SITES}`)],
  ]) {
    // Rotate which goes first, so none always runs on a warmer machine.
    const order = NAMES.map((_, i) => NAMES[(i + rows.length) % NAMES.length]);
    const result = {};
    for (const name of order) result[name] = await scenario(connections, make(name));
    rows.push({ label: `${label} c=${connections}`, ...result });
  }
  const replayKey = randomUUID();
  await (await post('ours', replayKey, 'Replayed', 'bench-0')).arrayBuffer();
  // Bounded under the site's write budget (600 a minute): a replay spends it like a create.
  const replay = await scenario(20, () => post('ours', replayKey, 'Replayed', 'bench-0'), 550);

  console.log('');
  console.log(`API, ${SECONDS} s per scenario, ${new Date().toISOString().slice(0, 10)}; ours = the Rust Worker, bare = the same without the local assets router, ts = the TypeScript baseline, ts+rl = the baseline spending the same rate limits`);
  const cols = [['ours', 'ours'], ['bare', 'bare'], ['ts', 'baseline'], ['ts+rl', 'baselineRl']];
  const ratios = [['ours/ts', 'ours', 'baseline'], ['bare/ts', 'bare', 'baseline'], ['ours/ts+rl', 'ours', 'baselineRl']];
  console.log(
    'scenario'.padEnd(24) + cols.map(([c]) => `${c} req/s`.padStart(12)).join('') +
    ratios.map(([r]) => r.padStart(11)).join('') +
    cols.map(([c]) => `${c} p50`.padStart(10)).join('') + cols.map(([c]) => `${c} p99`.padStart(10)).join('') + '  errors');
  for (const r of rows) {
    console.log(
      r.label.padEnd(24) + cols.map(([, n]) => r[n].rps.toFixed(0).padStart(12)).join('') +
      ratios.map(([, a, b]) => `${(r[a].rps / r[b].rps).toFixed(2)}x`.padStart(11)).join('') +
      cols.map(([, n]) => fmt(r[n].p50, 10)).join('') + cols.map(([, n]) => fmt(r[n].p99, 10)).join('') +
      '  ' + NAMES.map((n) => r[n].errors).join('/'));
  }
  console.log(
    `${'replay POST same key c=20'.padEnd(24)}${replay.rps.toFixed(0).padStart(12)}   (ours: answered from the idempotency row) p50 ${fmt(replay.p50, 0)} ms, p99 ${fmt(replay.p99, 0)} ms`);

  // Correctness under load: every 201 is one row, numbered without gaps, per site.
  for (const name of NAMES) {
    const created = rows.filter((r) => r.label.startsWith('create'))
      .reduce((n, r) => n + (r[name].byStatus[201] ?? 0), 0) + (name === 'ours' ? 1 : 0);
    const perSite = await targets[name].sql(
      'SELECT site_id, count(*) AS n, min(number) AS lo, max(number) AS hi FROM tickets GROUP BY site_id');
    const total = perSite.reduce((n, r) => n + r.n, 0);
    assert.equal(total, created, `${name}: tickets in D1 vs 201s`);
    for (const r of perSite) assert.deepEqual([r.lo, r.hi], [1, r.n], `${name}: numbers gapless on site ${r.site_id}`);
    console.log(`D1 check (${name}): ${total} tickets over ${perSite.length} sites, each numbered 1..n without gaps`);
  }
  const failed = rows.flatMap((r) => NAMES.map((n) => r[n])).concat([replay]).filter((r) => r.errors > 0);
  if (failed.length > 0) {
    throw new Error('some requests failed: ' + JSON.stringify(failed.map((r) => r.byStatus)));
  }
} finally {
  await ours.stop();
  await bare.stop();
  await baseline.stop();
  await baselineRl.stop();
}

/** Runs `request` from `connections` loops for SECONDS (or `maxRequests`) and measures it. */
async function scenario(connections, request, maxRequests = MAX_REQUESTS) {
  const deadline = Date.now() + SECONDS * 1000;
  const latencies = [];
  const byStatus = {};
  let errors = 0;
  let issued = 0;
  const started = performance.now();
  const loop = async () => {
    while (Date.now() < deadline && issued < maxRequests) {
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
    count: latencies.length, errors, byStatus, rps: latencies.length / elapsed,
    p50: pct(0.5), p95: pct(0.95), p99: pct(0.99),
  };
}

function fmt(ms, width = 9) {
  return ms.toFixed(1).padStart(width);
}
