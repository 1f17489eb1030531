// A real Ticketbooth Worker for end-to-end tests: `wrangler dev` with its own local D1 database.
//
//   import { startWorker } from './support/wrangler.mjs';
//
//   const worker = await startWorker({ sites: [{ key: 'acme', contact_required: 1 }] });
//   const res = await fetch(`${worker.baseUrl}/api/v1/sites/acme/config`);
//   const rows = await worker.sql('SELECT code FROM tickets');   // D1 itself, not the API
//   await worker.stop();
//
// Each call gets a fresh temporary database (`--persist-to <tmp>`) with every migration applied
// and the given sites inserted, and a Worker on a free port of 127.0.0.1, in its own process
// group. `stop()` ends the whole group and deletes the database; a test process that exits
// without calling it (a failure, Ctrl-C) still ends every Worker it started.
//
// The Worker is the one `cargo xtask build` put in functions/build/: wrangler runs that command
// (wrangler.toml's `[build]`) on start, and it returns at once when the build is up to date.
// `cargo xtask test` builds before it runs these tests, so they never wait for a compile.
//
// Needs Node 22 and the pinned wrangler from node_modules (`cargo xtask setup`).
// Set TICKETBOOTH_E2E_LOG=1 to see wrangler's output as it runs.

import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const NODE_BIN = join(ROOT, 'node_modules', '.bin');
const WRANGLER = join(NODE_BIN, 'wrangler');

/** How long a Worker may take to answer /healthz: long enough for a build that is not fresh. */
const START_TIMEOUT_MS = Number(process.env.TICKETBOOTH_E2E_START_TIMEOUT_MS ?? 180_000);

/** Every wrangler call: Node 22 first on PATH, no metrics, no `Request.cf` download, no prompts. */
export const WRANGLER_ENV = {
  ...process.env,
  PATH: `${NODE_BIN}:${process.env.PATH}`,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  CI: 'true',
};

/** Process groups still running, ended on exit whatever happens to the tests. */
const running = new Set();
process.on('exit', () => {
  for (const pid of running) killGroup(pid, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => process.exit(130));
}

/**
 * Starts a Worker with its own database.
 *
 * @param {object} [options]
 * @param {string} [options.config] a wrangler.toml other than the project's (the bench's baseline)
 * @param {Record<string, string>} [options.vars] Worker variables (`--var NAME:VALUE`), e.g. the
 *   URL of a local double of a remote service. `SECRETS_KEY` (which seals sites' secrets) is a
 *   fresh random one per Worker unless given here, so a checkout whose `.dev.vars` predates it
 *   still runs every test. `OUTBOUND_ALLOW_LOOPBACK_HTTP: '1'` is always passed (every double
 *   listens on 127.0.0.1) unless a test sets it otherwise.
 * @param {string[]} [options.args] more `wrangler dev` arguments (the profiler's `--inspector-port`)
 * @param {Array<object>} [options.sites] rows for the `sites` table: `{ key, name, code_prefix,
 *   ticketing_enabled, contact_required, cta_label, locale, allowed_origins, next_ticket_number }`;
 *   only `key` is required, `allowed_origins` is an array, the rest default as in the migration.
 * @returns {Promise<{ baseUrl: string, port: number, persistDir: string,
 *   sql: (query: string) => Promise<Array<object>>, log: () => string,
 *   stop: () => Promise<void>, restart: () => Promise<void> }>}
 */
export async function startWorker({ sites = [], config, vars: given = {}, args = [] } = {}) {
  // The development allowance of the outbound policy (functions/src/integrations/outbound/url.rs): tenants'
  // URLs may be plain http to this machine, where the tests' doubles listen.
  const vars = {
    SECRETS_KEY: randomBytes(32).toString('hex'),
    OUTBOUND_ALLOW_LOOPBACK_HTTP: '1',
    ...given,
  };
  const persistDir = await mkdtemp(join(tmpdir(), 'ticketbooth-e2e-'));
  // Another Worker than Ticketbooth's own (the bench's baseline): its wrangler.toml.
  const configArgs = config ? ['--config', config] : [];
  const db = ['DB', '--local', '--persist-to', persistDir, ...configArgs];
  const sql = async (query) => {
    const out = await runWrangler(['d1', 'execute', ...db, '--json', '--command', query]);
    return parseResults(out, query);
  };

  try {
    await runWrangler(['d1', 'migrations', 'apply', ...db]);
    if (sites.length > 0) {
      const file = join(persistDir, 'sites.sql');
      await writeFile(file, sites.map(insertSite).join('\n'));
      await runWrangler(['d1', 'execute', ...db, '--file', file]);
    }
  } catch (error) {
    await rm(persistDir, { recursive: true, force: true });
    throw error;
  }

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = [];
  const record = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 400) output.splice(0, output.length - 400);
    if (process.env.TICKETBOOTH_E2E_LOG) process.stderr.write(chunk);
  };
  // The current `wrangler dev` process; `restart` replaces it on the same port and database.
  let child;
  let exited;
  const launch = () => {
    child = spawn(
      WRANGLER,
      ['dev', '--ip', '127.0.0.1', '--port', String(port), '--persist-to', persistDir,
        '--show-interactive-dev-session=false',
        // Exposes `GET /__scheduled`, which runs the Cron Trigger's handler on demand.
        '--test-scheduled', ...configArgs,
        ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]), ...args],
      { cwd: ROOT, env: WRANGLER_ENV, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running.add(child.pid);
    child.stdout.on('data', record);
    child.stderr.on('data', record);
    exited = new Promise((resolveExit) => child.once('exit', resolveExit));
  };
  const kill = async (signal) => {
    if (running.delete(child.pid)) {
      killGroup(child.pid, signal);
      const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async () => {
    await kill('SIGTERM');
    await rm(persistDir, { recursive: true, force: true });
  };
  /** Kills the Worker mid-flight (SIGKILL: no graceful shutdown) and starts it again. */
  const restart = async () => {
    await kill('SIGKILL');
    launch();
    await waitForHealth(baseUrl, exited, () => output.join(''));
  };

  launch();
  try {
    await waitForHealth(baseUrl, exited, () => output.join(''));
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, port, persistDir, sql, log: () => output.join(''), stop, restart };
}

/** Runs wrangler to completion; resolves with its stdout, rejects with its output. */
export async function runWrangler(args) {
  try {
    const { stdout } = await execFileAsync(WRANGLER, args, {
      cwd: ROOT,
      env: WRANGLER_ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    throw new Error(`wrangler ${args.join(' ')} failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

/** The rows of the statement `wrangler d1 execute --json` ran. */
function parseResults(stdout, query) {
  let parsed;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new Error(`wrangler d1 execute printed no JSON for ${query}:\n${stdout}`);
  }
  const last = Array.isArray(parsed) ? parsed[parsed.length - 1] : parsed;
  if (!last?.success) throw new Error(`query failed: ${query}\n${stdout}`);
  return last.results;
}

/** An INSERT for one site row, values quoted as SQL literals. */
export function insertSite(site) {
  if (!site.key) throw new Error('a site needs a key');
  const row = {
    key: site.key,
    name: site.name ?? site.key,
    code_prefix: site.code_prefix ?? 'TKT',
    next_ticket_number: site.next_ticket_number ?? 1,
    ticketing_enabled: site.ticketing_enabled ?? 1,
    contact_required: site.contact_required ?? 0,
    cta_label: site.cta_label ?? 'Open a ticket',
    locale: site.locale ?? 'en',
    allowed_origins: JSON.stringify(site.allowed_origins ?? []),
    created_at: site.created_at ?? Date.now(),
  };
  const columns = Object.keys(row).join(', ');
  const values = Object.values(row).map(sqlLiteral).join(', ');
  return `INSERT INTO sites (${columns}) VALUES (${values});`;
}

/** A string or a number as a SQL literal (for test fixtures; the Worker binds parameters). */
export function sqlLiteral(value) {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  throw new Error(`no SQL literal for ${JSON.stringify(value)}`);
}

async function waitForHealth(baseUrl, exited, log) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let gone = false;
  exited.then(() => { gone = true; });
  while (Date.now() < deadline) {
    if (gone) throw new Error(`wrangler dev exited before it was ready:\n${log()}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`wrangler dev did not answer ${baseUrl}/healthz within ${START_TIMEOUT_MS} ms:\n${log()}`);
}

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
