// `cargo xtask bench profile`: where the Worker's CPU goes. Starts `wrangler dev` with its
// inspector on a fixed local port, connects to the Worker's isolate over the DevTools protocol
// (the `ws` client wrangler itself depends on), samples the CPU while it serves N config reads
// and then N creates one at a time, and prints the wall time per request and the
// functions with the most samples (self and inclusive; the Wasm keeps its name section, so
// Rust functions show by name), as shares of the samples taken in the Worker.
//
//   node xtask/bench/profile.mjs [requests]       (Node 22; `cargo xtask build` first)

import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

import { startWorker } from '../../tests/support/wrangler.mjs';

const N = Number(process.argv[2] ?? 300);
const INSPECTOR_PORT = 9339;
const SITES = 20;

const worker = await startWorker({
  sites: Array.from({ length: SITES }, (_, i) => ({ key: `p${i}` })),
  args: ['--inspector-port', String(INSPECTOR_PORT)],
});
let ws;
try {
  let client = 0;
  const ops = {
    'GET config': (i) => fetch(`${worker.baseUrl}/api/v1/sites/p${i % SITES}/config`),
    'POST ticket': (i) => fetch(`${worker.baseUrl}/api/v1/sites/p${i % SITES}/tickets`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
        // One address per request: the per-client budget is not what is measured.
        'cf-connecting-ip': `10.9.${(client >> 8) & 255}.${client++ & 255}`,
      },
      body: JSON.stringify({ subject: 'Profiled', description: 'A ticket from the profiler.' }),
    }),
  };
  // Warm up: the first requests compile and instantiate the Worker and fill the site cache.
  for (const op of Object.values(ops)) for (let i = 0; i < 2 * SITES; i += 1) await (await op(i)).arrayBuffer();

  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
  ws = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  let id = 0;
  const pending = new Map();
  ws.on('message', (data) => {
    const message = JSON.parse(data);
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  const call = (method, params = {}) => new Promise((resolve) => {
    id += 1;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: 50 });

  for (const [label, op] of Object.entries(ops)) {
    await call('Profiler.start');
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      const res = await op(i);
      await res.arrayBuffer();
      if (res.status >= 400) throw new Error(`${label}: ${res.status}`);
    }
    const wall = (performance.now() - started) / N;
    const { result } = await call('Profiler.stop');
    report(label, result.profile, wall);
  }
} finally {
  ws?.close();
  await worker.stop();
}

function report(label, profile, wallMs) {
  const busy = profile.nodes.filter((n) => !['(idle)', '(program)', '(garbage collector)'].includes(n.callFrame.functionName));
  const sampleMs = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const busySamples = busy.reduce((n, node) => n + node.hitCount, 0);
  const name = (node) => node.callFrame.functionName || `(anonymous ${node.callFrame.url.split('/').pop()}:${node.callFrame.lineNumber})`;
  const self = new Map();
  for (const node of busy) self.set(name(node), (self.get(name(node)) ?? 0) + node.hitCount);
  // Inclusive: each sample counts once for every distinct function on its stack.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map();
  for (const node of busy) {
    if (!node.hitCount) continue;
    const seen = new Set();
    for (let at = node.id; at !== undefined; at = parent.get(at)) {
      const n = name(byId.get(at));
      if (n === '(root)' || seen.has(n)) continue;
      seen.add(n);
      inclusive.set(n, (inclusive.get(n) ?? 0) + node.hitCount);
    }
  }
  const other = profile.nodes.filter((n) => !busy.includes(n)).map((n) => `${n.callFrame.functionName} ${n.hitCount}`).join(', ');
  // workerd samples far more coarsely than asked (~1-2 ms apart here), so the shares are the
  // finding, not an absolute CPU time.
  console.log(`\n${label}: ${N} requests one at a time; wall ${wallMs.toFixed(2)} ms per request; ` +
    `${busySamples} samples in the Worker, ~${(sampleMs * 1000).toFixed(0)} µs apart (${other})`);
  const top = (map, title) => {
    console.log(`  ${title}`);
    for (const [fn, hits] of [...map].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`  ${((100 * hits) / busySamples).toFixed(1).padStart(6)}%  ${fn.replace(/::h[0-9a-f]{16}/g, '').slice(0, 110)}`);
    }
  };
  top(self, 'self time (share of the Worker CPU):');
  top(inclusive, 'inclusive:');
}
