// Bots that live elsewhere, against `wrangler dev` + a local D1: an owner creates a bot key in
// the dashboard (Chromium); the official MCP TypeScript SDK client (`@modelcontextprotocol/sdk`,
// Streamable HTTP) lists the tools and opens a ticket — once, however often the same call is
// made; the MCP Inspector's CLI mode lists them too; `GET /api/v1/tools` gives strict OpenAI
// functions that a JSON Schema validator (ajv) accepts and that follow OpenAI's strict-mode
// rules; the HTTP tool route answers with `{code, status, url, message}`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { AxeBuilder } from '@axe-core/playwright';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import Ajv from 'ajv';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');
const INSPECTOR = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector', 'cli', 'build', 'cli.js');

let worker;
let browser;
let owner;
let botKey;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const BILLING = {
  subject: 'Charged twice for order 1234',
  description: 'The card was charged twice on Monday.',
  priority: 'high',
  summary: 'Double charge; the visitor wants one refunded.',
  requester_name: 'Ada Lovelace',
  requester_email: 'ada@example.com',
  topic: 'billing',
  intent: 'refund_request',
};

async function tickets() {
  const [row] = await worker.sql("SELECT count(*) AS n FROM tickets WHERE source = 'bot'");
  return row.n;
}

test('an owner creates a bot key in the dashboard; it is shown once', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  await page.getByLabel('Name', { exact: true }).fill('Support assistant');
  await page.getByRole('button', { name: 'Create bot key' }).click();
  botKey = await page.locator('#key-value').inputValue();
  assert.match(botKey, /^tbb_[0-9a-f]{64}$/);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'bots-settings.png'), fullPage: true });
  await page.goto(`${worker.baseUrl}/app/settings/bots`);
  assert.equal((await page.content()).includes(botKey), false, 'never shown again');
  assert.match(await page.locator('table.list').innerText(), /Support assistant/);
  await page.close();
});

test('the official MCP SDK client lists the tools and opens a ticket exactly once', async () => {
  const client = new Client({ name: 'ticketbooth-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${worker.baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${botKey}` } },
  });
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, 'ticketbooth');
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ['open_ticket', 'get_ticket_status']);
  const open = tools.find((t) => t.name === 'open_ticket');
  assert.deepEqual(open.annotations, {
    title: 'Open a support ticket', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false,
  });

  const first = await client.callTool({ name: 'open_ticket', arguments: BILLING });
  assert.equal(first.isError, false);
  const { code, status, url, message } = first.structuredContent;
  assert.match(code, /^TKT-\d+$/);
  assert.equal(status, 'open');
  assert.ok(url.endsWith(`/app/tickets/${code}`));
  assert.match(message, new RegExp(`I've opened ticket ${code}`));
  // The same call again (a retry): idempotent, as its annotation says.
  const again = await client.callTool({ name: 'open_ticket', arguments: BILLING });
  assert.equal(again.structuredContent.code, code);
  assert.equal(await tickets(), 1);
  const [row] = await worker.sql(`SELECT priority, summary FROM tickets WHERE code = '${code}'`);
  assert.deepEqual(row, { priority: 'high', summary: BILLING.summary });

  const lookup = await client.callTool({ name: 'get_ticket_status', arguments: { code, requester_email: 'ada@example.com' } });
  assert.equal(lookup.structuredContent.status_label, 'Received');
  const refused = await client.callTool({ name: 'open_ticket', arguments: { subject: '' } });
  assert.equal(refused.isError, true);
  assert.match(refused.content[0].text, /validation_failed/);
  await client.close();
});

test("the MCP Inspector's CLI mode lists the tools", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [
    INSPECTOR, '--cli', `${worker.baseUrl}/mcp`, '--transport', 'http', '--method', 'tools/list',
    '--header', `Authorization: Bearer ${botKey}`,
  ], { timeout: 60_000 });
  const listed = JSON.parse(stdout);
  assert.deepEqual(listed.tools.map((t) => t.name), ['open_ticket', 'get_ticket_status']);
});

test('GET /api/v1/tools: strict OpenAI functions and Anthropic tools that validate', async () => {
  const defs = await (await fetch(`${worker.baseUrl}/api/v1/tools`)).json();
  const ajv = new Ajv({ strict: false });
  // The visitor tools and, apart under `operator`, the operator tools (tests/agent_tools.test.mjs).
  for (const { function: fn } of [...defs.openai, ...defs.operator.openai]) {
    assert.equal(fn.strict, true);
    // A valid JSON Schema …
    assert.equal(ajv.validateSchema(fn.parameters), true, JSON.stringify(ajv.errors));
    // … that follows OpenAI's strict-mode rules (structured outputs' supported subset).
    assertStrict(fn.parameters, fn.name);
  }
  const openTicket = ajv.compile(defs.openai[0].function.parameters);
  assert.equal(openTicket({ ...BILLING }), true, JSON.stringify(openTicket.errors));
  assert.equal(openTicket({ ...BILLING, summary: null, requester_email: null, priority: null, topic: null, intent: null }), true);
  assert.equal(openTicket({ ...BILLING, extra: 1 }), false, 'no other properties');
  assert.equal(openTicket({ subject: 'x' }), false, 'every property is required in strict mode');
  for (const tool of [...defs.anthropic, ...defs.operator.anthropic]) {
    assert.equal(ajv.validateSchema(tool.input_schema), true);
  }
  const anthropic = ajv.compile(defs.anthropic[0].input_schema);
  assert.equal(anthropic({ subject: 'Hi', description: 'Broken' }), true);
});

/** OpenAI strict mode: objects close (`additionalProperties: false`) and require every
 *  property; optional values are a union with null; only supported keywords appear. */
function assertStrict(schema, path) {
  const supported = new Set(['type', 'properties', 'required', 'additionalProperties', 'description', 'enum',
    'items', 'anyOf', '$defs', '$ref', 'const']);
  for (const key of Object.keys(schema)) assert.ok(supported.has(key), `${path}: "${key}" is not supported in strict mode`);
  const types = [schema.type].flat();
  if (types.includes('object')) {
    assert.equal(schema.additionalProperties, false, `${path}: additionalProperties must be false`);
    assert.deepEqual([...schema.required].sort(), Object.keys(schema.properties).sort(), `${path}: every property required`);
    for (const [name, property] of Object.entries(schema.properties)) assertStrict(property, `${path}.${name}`);
  }
}

test('the HTTP tool route opens a ticket with the bot key and refuses without it', async () => {
  const call = (key, body, headers = {}) => fetch(`${worker.baseUrl}/api/v1/sites/shop/tools/open_ticket`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const before = await tickets();
  const refused = await call(null, BILLING);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error.code, 'unauthorized');
  const args = { ...BILLING, subject: 'Refund for order 99' };
  const opened = await call(botKey, args, { 'tool-call-id': 'call_1' });
  assert.equal(opened.status, 201);
  const body = await opened.json();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'message', 'replayed', 'result', 'status', 'url']);
  const replay = await call(botKey, args, { 'tool-call-id': 'call_1' });
  assert.equal(replay.status, 200);
  assert.equal((await replay.json()).code, body.code);
  assert.equal(await tickets(), before + 1);
});
