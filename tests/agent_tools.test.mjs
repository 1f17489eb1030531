// An AI agent works tickets as an operator, end to end against `wrangler dev` + a local D1: a
// visitor opens a ticket in the widget (the demo host page, Chromium); the team labels it
// billing; the agent — the official MCP TypeScript SDK client, signed in with a member's
// operator API token — lists the open billing tickets in the list's query language, moves the
// ticket to pending, answers the customer with a public comment and resolves it, each change
// guarded by the version it read; the visitor's thread in the widget shows the answer, and the
// dashboard's ticket page shows what the agent did. Screenshots under tests/output/agent-tools/.
//
//   node --test tests/agent_tools.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'agent-tools');
const ANSWER = 'We refunded the second charge today; it shows on your card within 5 days.';

let host;
let worker;
let browser;
let owner;
let agent;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [host.origin] }] });
  host.setWorker(worker);
  owner = await addOperator(worker, { site: 'demo', role: 'owner', email: 'olivia@demo.example', name: 'Olivia Owner' });
  agent = await addOperator(worker, { site: 'demo', role: 'member', email: 'triage-bot@demo.example', name: 'Triage Agent' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
});

const launcher = (page) => page.locator('ticketbooth-widget button.l');
const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

async function load(page) {
  await page.goto(`${host.origin}/demo/?site=demo`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
}

/** The operators' API, as the team's own scripts call it. */
async function operatorApi(path, body, token = owner.token) {
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

test('an agent with an operator token lists billing tickets, moves one through pending to resolved with a public answer, and the visitor reads it in the widget', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // A visitor's ticket from the widget, and another ticket that is not about billing.
  await load(page);
  await launcher(page).click();
  await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
  await page.getByLabel('Subject').fill('Charged twice for order 1234');
  await page.getByLabel('What happened?').fill('My card was charged twice on Monday.');
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await panel(page).locator('.code', { hasText: /^TKT-\d+$/ }).waitFor();
  const code = await panel(page).locator('.code').textContent();
  const other = await fetch(`${worker.baseUrl}/api/v1/tickets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Printer jam', description: 'Tray 2 jams.' }),
  });
  assert.equal(other.status, 201);
  const labelled = await operatorApi(`/api/v1/tickets/${code}/labels-add`, { label: 'billing' });
  assert.equal(labelled.status, 200, JSON.stringify(labelled.body));

  const client = new Client({ name: 'triage-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${worker.baseUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${agent.token}` } },
  });
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, 'ticketbooth');
  assert.match(client.getInstructions() ?? '', /list_tickets/);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name), ['list_tickets', 'get_ticket', 'update_ticket', 'add_comment']);
  const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
  assert.deepEqual(hints.list_tickets, {
    title: 'List tickets', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false,
  });
  assert.deepEqual(hints.update_ticket, {
    title: 'Update a ticket', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false,
  });
  assert.equal(hints.add_comment.idempotentHint, false);
  assert.equal(hints.add_comment.destructiveHint, false);

  // The open billing tickets, in the list's own query language.
  const listed = await client.callTool({ name: 'list_tickets', arguments: { query: 'status=open&label=billing' } });
  assert.equal(listed.isError, false, JSON.stringify(listed.content));
  const { tickets, total, next_cursor } = listed.structuredContent;
  assert.equal(total, 1);
  assert.equal(next_cursor, null);
  assert.equal(tickets[0].code, code);
  assert.deepEqual(tickets[0].labels, ['billing']);
  const bad = await client.callTool({ name: 'list_tickets', arguments: { query: 'status=done' } });
  assert.equal(bad.isError, true);
  assert.match(bad.content[0].text, /validation_failed[\s\S]*- status:/);

  // Take it and wait on the customer's bank: pending.
  const pending = await client.callTool({
    name: 'update_ticket',
    arguments: { code, version: tickets[0].version, status: 'pending', assignee: 'me' },
  });
  assert.equal(pending.isError, false, JSON.stringify(pending.content));
  const afterPending = pending.structuredContent.ticket.ticket;
  assert.equal(afterPending.status, 'pending');
  assert.equal(afterPending.assignee.name, 'Triage Agent');
  // A second update from the version read before is stale: nothing saved, the agent is told.
  const stale = await client.callTool({
    name: 'update_ticket', arguments: { code, version: tickets[0].version, priority: 'urgent' },
  });
  assert.equal(stale.isError, true);
  assert.match(stale.content[0].text, /stale_edit/);

  // The answer to the customer, then resolved.
  const answered = await client.callTool({
    name: 'add_comment', arguments: { code, body: ANSWER, visibility: 'public' },
  });
  assert.equal(answered.isError, false, JSON.stringify(answered.content));
  const read = await client.callTool({ name: 'get_ticket', arguments: { code: code.toLowerCase() } });
  const { ticket, comments } = read.structuredContent;
  assert.deepEqual(comments.map((c) => [c.visibility, c.body]), [['public', ANSWER]]);
  const resolved = await client.callTool({
    name: 'update_ticket', arguments: { code, version: ticket.version, status: 'resolved' },
  });
  assert.equal(resolved.isError, false, JSON.stringify(resolved.content));
  assert.equal(resolved.structuredContent.ticket.ticket.status, 'resolved');
  await client.close();

  const [row] = await worker.sql(`SELECT status, priority, assignee_id FROM tickets WHERE code = '${code}'`);
  assert.deepEqual(row, { status: 'resolved', priority: 'normal', assignee_id: agent.id });
  const events = await worker.sql(
    `SELECT e.kind FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id WHERE t.code = '${code}' ORDER BY e.id`,
  );
  assert.deepEqual(events.map((e) => e.kind),
    ['created', 'label_added', 'assigned', 'status_changed', 'comment_added', 'status_changed']);

  // The same tools over HTTP with the same token; a request without one is refused.
  const http = await operatorApi('/api/v1/tools/get_ticket', { code }, agent.token);
  assert.equal(http.status, 200);
  assert.equal(http.body.ticket.status, 'resolved');
  const anonymous = await fetch(`${worker.baseUrl}/api/v1/tools/list_tickets`, { method: 'POST' });
  assert.equal(anonymous.status, 401);

  // The visitor's thread in the widget shows the team's answer.
  await load(page);
  await launcher(page).click();
  await panel(page).getByRole('button', { name: /My tickets/ }).click();
  const mine = panel(page).getByRole('button', { name: new RegExp(code) });
  await mine.waitFor();
  await mine.click();
  await panel(page).getByText(ANSWER).waitFor();
  await shot(page, '01-widget-thread-with-the-agents-answer');
  assert.deepEqual(errors, []);
  await context.close();

  // The team sees what the agent did on the ticket's page.
  const dashboard = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(dashboard, worker, owner);
  await dashboard.goto(`${worker.baseUrl}/app/tickets/${code}`);
  const text = await dashboard.locator('main').innerText();
  assert.match(text, /Resolved/);
  assert.match(text, /Triage Agent/);
  assert.ok(text.includes(ANSWER));
  await dashboard.screenshot({ path: join(OUT, '02-dashboard-ticket-worked-by-the-agent.png'), fullPage: true });
  await dashboard.close();
});
