// schemathesis (PyPI, pinned in xtask/src/setup.rs and installed by `cargo xtask setup` into
// target/schemathesis-venv) generates requests from functions/openapi.json — every route: the
// public widget API, the operator API and health — and sends them to a real `wrangler dev` with
// a local D1. It fails on any 5xx and on any response that the document does not describe or
// whose body breaks the schema. Bounded by tests/schemathesis.toml (max examples) and
// --max-time.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

import { addOperator } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const PROGRAM = join(ROOT, 'target', 'schemathesis-venv', 'bin', 'schemathesis');
const MAX_SECONDS = 90;

let worker;
let owner;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'fuzz', name: 'Fuzz' }] });
  owner = await addOperator(worker, { site: 'fuzz', role: 'owner', email: 'fuzz@example.com', name: 'Fuzz Owner' });
  for (const subject of ['First', 'Second']) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/fuzz/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Seed', requester: { name: 'Sam', email: 'sam@example.com' } }),
    });
    assert.equal(res.status, 201);
  }
});

after(async () => {
  await worker?.stop();
});

/** Runs the program to its end; resolves with its exit code and output. */
function run(program, args) {
  return new Promise((resolve, reject) => {
    // In target/: schemathesis keeps a `.schemathesis/` cache in its working directory, which
    // must not land in the repository.
    const child = spawn(program, args, { cwd: join(ROOT, 'target'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => { output += c; });
    child.stderr.on('data', (c) => { output += c; });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

test('schemathesis finds no 5xx and no response outside the OpenAPI document', { timeout: (MAX_SECONDS + 60) * 1000 }, async () => {
  await access(PROGRAM).catch(() => {
    throw new Error(`${PROGRAM} is missing: run \`cargo xtask setup\``);
  });
  const { code, output } = await run(PROGRAM, [
    '--config-file', join(ROOT, 'tests', 'schemathesis.toml'),
    'run', join(ROOT, 'functions', 'openapi.json'),
    '--url', worker.baseUrl,
    '--checks', 'not_a_server_error,status_code_conformance,response_schema_conformance',
    '--header', `Authorization: Bearer ${owner.token}`,
    '--max-time', String(MAX_SECONDS),
    '--workers', '1',
    '--seed', '1',
    '--no-color',
  ]);
  if (process.env.TICKETBOOTH_E2E_LOG) process.stderr.write(output);
  assert.equal(code, 0, `schemathesis failed:\n${output.slice(-20000)}`);
  // It really ran requests (a run that tested nothing would also exit 0).
  assert.match(output, /\d+ passed|Test cases:\s+\d+ generated/, output.slice(-3000));
});
