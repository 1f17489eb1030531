// External sync with Zendesk, end to end on `wrangler dev` + a local D1, against the Zendesk
// double (tests/support/zendesk_double.mjs, on 127.0.0.1; the harness allows loopback http):
// an owner connects Zendesk on /app/settings/sync and tests the connection; a visitor's widget
// ticket is pushed once (idempotent on our ticket id, the requester by e-mail) through the Queue;
// the ticket page's External Sync section shows it synced with a link to the remote ticket;
// Zendesk's signed webhooks answer it publicly and then set it pending and solved, and the ticket
// follows (events by "Zendesk", `synced` events) without echoing anything back; the visitor's
// thread shows the remote reply; a replayed webhook is a duplicate and a badly signed one is
// refused; an operator's public comment goes out as public and its echo is not pulled back; a
// 429 is retried after its Retry-After; a 422 leaves the link failed with the reason until
// "Retry now"; the sync= filters follow; a ticket deleted there stops syncing and ours stays.
// Screenshots under tests/output/sync/.
//
//   cargo xtask build
//   PATH=$PWD/node_modules/.bin:$PATH node --test --test-concurrency=1 tests/sync.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { sign, startZendesk, webhookTimestamp } from './support/zendesk_double.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'sync');
const ORIGIN = 'https://tickets.example.com';
/** The signing secret the admin copies from the webhook in Zendesk Admin Center. */
const SIGNING_SECRET = 'dGhpc19zZWNyZXRfaXNfZm9yX2UyZV90ZXN0aW5nX29ubHk=';
const VISITOR = { name: 'Ada Lovelace', email: 'ada@example.com' };

let zd;
let host;
let worker;
let browser;
let owner;
let ops; // the operator's dashboard page
/** Shared along the scenario. */
const s = { connectionId: null, hookUrl: null, oldCode: null, code: null, ticketId: null, remoteId: null, visitor: null, reply: null };

before(async () => {
  await mkdir(OUT, { recursive: true });
  zd = await startZendesk();
  host = await startHostSite();
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop', contact_required: 1, allowed_origins: [host.origin] }],
    vars: { SYNC_RETRY_SECONDS: '1', DASHBOARD_ORIGIN: ORIGIN },
  });
  host.setWorker(worker);
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  browser = await launch();
  ops = await (await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' })).newPage();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
  await zd?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns something truthy. With `poke`, also runs the per-minute Cron
 * Trigger about once a second (wrangler dev never fires it by itself): it hands due links to
 * the Queue, as the minute would in production.
 */
async function until(check, what, { ms = 60_000, poke = false } = {}) {
  const end = Date.now() + ms;
  let poked = 0;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    if (poke && Date.now() - poked > 1_000) {
      poked = Date.now();
      await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}\n${worker.log().slice(-3000)}`);
}

const one = async (query) => (await worker.sql(query))[0];
const link = () => one(`SELECT * FROM sync_links WHERE ticket_id = ${sqlLiteral(s.ticketId)}`);
const ticketRow = () => one(`SELECT * FROM tickets WHERE id = ${sqlLiteral(s.ticketId)}`);
const count = async (query) => Number((await one(`SELECT count(*) AS n FROM (${query})`)).n);
const eventsOf = (ticketId) => worker.sql(
  `SELECT id, kind, actor, data FROM ticket_events WHERE ticket_id = ${sqlLiteral(ticketId)} ORDER BY id`);

/**
 * Fails a step at once when an earlier one did not get as far as it needs (instead of waiting
 * out its own deadlines on a scenario that cannot go on).
 */
function needs(...keys) {
  const missing = keys.filter((k) => s[k] == null);
  assert.deepEqual(missing, [], `an earlier step failed before setting ${missing.join(', ')}`);
}

/** The machine-readable code of an error answer (the project's `{ "error": { "code" } }`). */
const errorCode = (res) => res.json?.error?.code;

/** The operator API, as the owner. */
async function api(method, path, body) {
  const res = await fetch(`${worker.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${owner.token}`,
      'content-type': 'application/json',
      ...(method === 'POST' && path === '/api/v1/tickets' ? { 'idempotency-key': randomUUID() } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Fills and submits the form `#id` is (or holds) on the settings page: selects, radios and text
 * fields by `name`, then its submit button; resolves once the answer has loaded.
 */
async function submitForm(page, id, fields = {}) {
  const form = page.locator(`#${id}`).locator('xpath=self::form|descendant::form').first();
  for (const [name, value] of Object.entries(fields)) {
    const field = form.locator(`[name="${name}"]`);
    assert.ok(await field.count() > 0, `#${id} has a field ${name}`);
    const kind = await field.first().evaluate((el) => `${el.tagName.toLowerCase()}:${el.type ?? ''}`);
    if (kind.startsWith('select')) await field.first().selectOption(value);
    else if (kind.endsWith(':radio') || kind.endsWith(':checkbox')) await form.locator(`[name="${name}"][value="${value}"]`).check();
    else await field.first().fill(value);
  }
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await form.locator('button:not([type="button"]), input[type="submit"]').first().click();
  await posted;
  await page.waitForLoadState('load');
}

/** The ticket page's External Sync section. */
const syncSection = (page) =>
  page.locator(':is(section, aside, div):has(> :is(h2, h3, h4):text-matches("External sync", "i"))').last();

/** The text of an element that may be an input (its value) or not (its text). */
const textOrValue = (locator) => locator.evaluate((el) => ('value' in el && el.value ? el.value : el.textContent).trim());

async function axeClean(page, label) {
  const results = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help}`), [], `axe on ${label}`);
}

/** The page at 1280 and at 390 px wide (then back), full-page screenshots `name-1280/390.png`. */
async function shots(page, name, element) {
  const target = element ?? page;
  const options = element ? {} : { fullPage: true };
  await target.screenshot({ path: join(OUT, `${name}-1280.png`), ...options });
  await page.setViewportSize({ width: 390, height: 844 });
  await target.screenshot({ path: join(OUT, `${name}-390.png`), ...options });
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** Codes shown by the dashboard's list under `query`. */
async function listed(query) {
  await ops.goto(`${worker.baseUrl}/app/tickets?${query}`);
  const text = await ops.locator('main').innerText();
  return [s.oldCode, s.code].filter((code) => new RegExp(`\\b${code}\\b`).test(text));
}

/** Codes the API's list gives under `query`. */
async function apiListed(query) {
  const { tickets } = await api('GET', `/api/v1/tickets?${query}`);
  return tickets.map((t) => t.code).sort();
}

test('an owner connects Zendesk, and the connection test names the API user', async () => {
  // A ticket from before the connection: push rule "all" takes new tickets only.
  const old = await api('POST', '/api/v1/tickets', { subject: 'Opening hours?', description: 'From before the connection.' });
  s.oldCode = old.ticket.code;

  await signIn(ops, worker, owner);
  await ops.goto(`${worker.baseUrl}/app/settings/sync`);
  await submitForm(ops, 'sync-connect', {
    platform: 'zendesk',
    base_url: zd.baseUrl,
    auth_kind: 'api_token',
    auth_user: zd.email,
    credential: zd.token,
    webhook_secret: SIGNING_SECRET,
    push_rule: 'all',
  });
  const rows = await worker.sql('SELECT * FROM sync_connections');
  assert.equal(rows.length, 1, `one connection; the page said:\n${await ops.locator('body').innerText()}`);
  const [conn] = rows;
  assert.equal(conn.platform, 'zendesk');
  assert.equal(conn.base_url, zd.baseUrl);
  assert.equal(conn.auth_kind, 'api_token');
  assert.equal(conn.auth_user, zd.email);
  assert.equal(conn.push_rule, 'all');
  assert.equal(conn.disconnected_at, null);
  s.connectionId = conn.id;
  s.hookUrl = `${worker.baseUrl}/api/v1/sync/${conn.id}/webhook`;

  // The URL to paste into Zendesk (this deployment's own origin, the one the page was opened
  // at: the webhooks below are sent to exactly it); the secrets are never shown back.
  assert.equal(await textOrValue(ops.locator('#sync-webhook-url')), s.hookUrl);
  const html = await ops.content();
  assert.ok(!html.includes(zd.token), 'the API token is not on the page');
  assert.ok(!html.includes(SIGNING_SECRET), 'the signing secret is not on the page');

  await submitForm(ops, 'sync-test');
  const me = zd.calls('GET', '/api/v2/users/me.json');
  assert.ok(me.length >= 1, 'the connection test called users/me');
  const basic = `Basic ${Buffer.from(`${zd.email}/token:${zd.token}`).toString('base64')}`;
  assert.equal(me.at(-1).headers.authorization, basic);
  const checked = await one('SELECT remote_user_id, checked_at, check_error FROM sync_connections');
  assert.equal(checked.remote_user_id, String(zd.me.id));
  assert.ok(checked.checked_at > 0);
  assert.equal(checked.check_error, null);
  // The last test passed, and the page names the help desk user the credentials act as.
  assert.match(await ops.locator('#sync-check').innerText(), /Passed/);
  assert.match(await ops.locator('main').innerText(), new RegExp(String(zd.me.id)));

  await axeClean(ops, 'the sync settings page');
  await shots(ops, 'settings');
});

test('a widget ticket is pushed once, with the requester by e-mail, and shows as synced', async () => {
  needs('connectionId', 'hookUrl');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  s.visitor = page;
  await page.goto(`${host.origin}/demo/?site=shop`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  const panel = page.getByRole('dialog', { name: /Support/ });
  await page.locator('ticketbooth-widget button.l').click();
  await panel.getByRole('button', { name: /Open a ticket/ }).click();
  await page.getByLabel('Your name').fill(VISITOR.name);
  await page.getByLabel('Email').fill(VISITOR.email);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Subject').fill('My order arrived broken');
  await page.getByLabel('What happened?').fill('The box was crushed and the mug inside is in pieces.');
  await page.getByRole('button', { name: 'Send ticket' }).click();
  await panel.locator('.code', { hasText: /^TKT-\d+$/ }).waitFor();
  s.code = await panel.locator('.code').textContent();
  s.ticketId = (await one(`SELECT id FROM tickets WHERE code = ${sqlLiteral(s.code)}`)).id;

  const creates = await until(async () => {
    const c = zd.calls('POST', '/api/v2/tickets.json').filter((r) => r.status === 201);
    return c.length > 0 && c;
  }, 'the create in Zendesk', { poke: true });
  const [create] = creates;
  assert.equal(create.headers['idempotency-key'], s.ticketId, 'idempotent on our ticket id');
  assert.equal(create.headers.authorization, `Basic ${Buffer.from(`${zd.email}/token:${zd.token}`).toString('base64')}`);
  assert.equal(create.json.ticket.external_id, s.ticketId);
  assert.equal(create.json.ticket.requester.email, VISITOR.email);
  assert.equal(create.json.ticket.requester.name, VISITOR.name);
  assert.equal(create.json.ticket.subject, 'My order arrived broken');
  assert.equal(create.json.ticket.status, 'open');
  assert.equal(create.json.ticket.comment.public, true);
  assert.match(create.json.ticket.comment.body, /The box was crushed/);
  const remote = [...zd.tickets.values()].find((t) => t.external_id === s.ticketId);
  s.remoteId = String(remote.id);

  const synced = await until(async () => {
    const l = await link();
    return l?.state === 'synced' && l;
  }, 'the link synced', { poke: true });
  assert.equal(synced.remote_id, s.remoteId);
  assert.equal(synced.connection_id, s.connectionId);
  assert.equal(synced.error, null);
  assert.equal(synced.pushed_status, 'open');
  const t = await ticketRow();
  assert.equal(t.sync_platform, 'zendesk');
  assert.equal(t.sync_remote_id, s.remoteId);
  assert.ok(t.synced_at > 0);
  // Created once: nothing more reaches Zendesk's create while the Queue and the cron run on.
  await sleep(2_000);
  await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  await sleep(1_000);
  assert.equal(zd.calls('POST', '/api/v2/tickets.json').length, 1, 'exactly one create');
  assert.equal(zd.tickets.size, 1);
  const pushed = (await eventsOf(s.ticketId)).filter((e) => e.kind === 'synced');
  assert.equal(pushed.length, 1);
  assert.deepEqual(JSON.parse(pushed[0].actor), { type: 'system' });
  const data = JSON.parse(pushed[0].data);
  assert.equal(data.platform, 'zendesk');
  assert.equal(data.remote_id, s.remoteId);
  assert.equal(data.direction, 'push');
  assert.ok(data.changes.includes('created'), JSON.stringify(data));
  // The ticket "before" stays unlinked.
  assert.equal(await count(`SELECT 1 FROM sync_links l JOIN tickets t ON t.id = l.ticket_id WHERE t.code = ${sqlLiteral(s.oldCode)}`), 0);

  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  const section = syncSection(ops);
  assert.match(await section.innerText(), /Zendesk/);
  assert.match(await section.innerText(), /Synced/);
  const remoteLink = section.locator(`a[href$="/agent/tickets/${s.remoteId}"]`);
  assert.equal(await remoteLink.getAttribute('href'), `${zd.baseUrl}/agent/tickets/${s.remoteId}`);
  assert.match(await remoteLink.innerText(), new RegExp(s.remoteId));
  assert.match(await ops.locator('ol.timeline').innerText(), new RegExp(`Pushed to Zendesk as ${s.remoteId} \\(created\\)`));
});

test('Zendesk answers publicly, then sets pending, then solved: the ticket follows by "Zendesk", echoing nothing', async () => {
  needs('remoteId', 'ticketId');
  const putsBefore = zd.calls('PUT').length;

  s.reply = zd.agentReply(s.remoteId, 'We are sending a replacement today.');
  let res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, s.reply);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.ok, true);
  assert.ok(res.json.applied >= 1, res.text);
  const [comment] = await worker.sql(
    `SELECT * FROM ticket_comments WHERE ticket_id = ${sqlLiteral(s.ticketId)} AND body = 'We are sending a replacement today.'`);
  assert.equal(comment.visibility, 'public');
  assert.equal(comment.author_kind, 'system');
  assert.equal(comment.author_name, 'Sam Agent (Zendesk)');
  const known = await one(`SELECT * FROM sync_comments WHERE comment_id = ${comment.id}`);
  assert.equal(known.direction, 'pull');
  assert.equal(known.remote_comment_id, s.reply.event.comment.id);

  res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, zd.setStatus(s.remoteId, 'pending'));
  assert.equal(res.status, 200, res.text);
  let t = await ticketRow();
  assert.equal(t.status, 'pending');
  assert.equal(t.waiting_on_customer, 1, 'Zendesk pending is waiting on the customer');

  res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, zd.setStatus(s.remoteId, 'solved'));
  assert.equal(res.status, 200, res.text);
  t = await ticketRow();
  assert.equal(t.status, 'resolved');

  const events = await eventsOf(s.ticketId);
  const bySync = events.filter((e) => JSON.parse(e.actor).type === 'sync');
  assert.ok(bySync.every((e) => JSON.parse(e.actor).platform === 'zendesk'));
  const steps = bySync.filter((e) => e.kind === 'status_changed').map((e) => JSON.parse(e.data)).map((d) => `${d.from}→${d.to}`);
  assert.deepEqual(steps, ['open→pending', 'pending→resolved']);
  const pulls = events.filter((e) => e.kind === 'synced').map((e) => JSON.parse(e.data)).filter((d) => d.direction === 'pull');
  assert.ok(pulls.length >= 3, `a synced event per pull: ${JSON.stringify(pulls)}`);
  assert.ok(pulls.every((d) => d.platform === 'zendesk' && d.remote_id === s.remoteId));

  // No echo: what came from Zendesk does not go back to it.
  await sleep(1_500);
  await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  await sleep(1_500);
  assert.equal(zd.calls('PUT').length, putsBefore, 'nothing pushed back');
  const l = await link();
  assert.equal(l.state, 'synced');
  // Our new state (or, by the push's spelling, Zendesk's for it): both sides agree after the pull.
  assert.match(l.pushed_status, /^(resolved|solved)$/);

  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  const lines = await ops.locator('ol.timeline > li').allInnerTexts();
  assert.ok(lines.some((line) => /Status Open → Pending/.test(line) && /by Zendesk/.test(line)), lines.join('\n'));
  assert.ok(lines.some((line) => /Status Pending → Resolved/.test(line) && /by Zendesk/.test(line)), lines.join('\n'));
  assert.ok(lines.some((line) => new RegExp(`Pulled from Zendesk as ${s.remoteId}`).test(line)), lines.join('\n'));
  assert.match(await ops.locator('body').innerText(), /We are sending a replacement today\./);
});

test("the visitor's thread shows the remote public reply", async () => {
  needs('visitor', 'reply');
  const page = s.visitor;
  await page.reload();
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  const panel = page.getByRole('dialog', { name: /Support/ });
  await page.locator('ticketbooth-widget button.l').click();
  await panel.getByRole('button', { name: /My tickets/ }).click();
  await panel.getByRole('button', { name: new RegExp(s.code) }).click();
  await panel.getByText('We are sending a replacement today.').waitFor();
  await page.screenshot({ path: join(OUT, 'widget-thread.png') });
});

test('a replayed webhook is a duplicate, badly signed ones are refused, and none changes anything', async () => {
  needs('reply', 'hookUrl');
  const before = {
    events: await count(`SELECT 1 FROM ticket_events WHERE ticket_id = ${sqlLiteral(s.ticketId)}`),
    comments: await count(`SELECT 1 FROM ticket_comments WHERE ticket_id = ${sqlLiteral(s.ticketId)}`),
  };
  // The same delivery again, freshly signed: Zendesk retries with the same event id.
  let res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, s.reply);
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { ok: true, duplicate: true });

  const another = zd.agentReply(s.remoteId, 'A forged answer.');
  res = await zd.sendWebhook(s.hookUrl, 'not-the-signing-secret', another);
  assert.equal(res.status, 401, res.text);
  assert.equal(errorCode(res), 'bad_signature');

  const stale = webhookTimestamp(new Date(Date.now() - 60 * 60 * 1000));
  res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, another, { timestamp: stale });
  assert.equal(res.status, 401, res.text);
  assert.equal(errorCode(res), 'stale_timestamp');

  res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, another, { unsigned: true });
  assert.equal(res.status, 401, res.text);
  assert.equal(errorCode(res), 'missing_signature');

  // A body changed after signing is a bad signature too.
  const body = JSON.stringify(another);
  const ts = webhookTimestamp();
  res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, body.replace('A forged answer.', 'A changed answer.'),
    { timestamp: ts, signature: sign(SIGNING_SECRET, ts, body) });
  assert.equal(res.status, 401, res.text);
  assert.equal(errorCode(res), 'bad_signature');

  res = await zd.sendWebhook(`${worker.baseUrl}/api/v1/sync/${s.connectionId + 100}/webhook`, SIGNING_SECRET, another);
  assert.equal(res.status, 404, res.text);
  assert.equal(errorCode(res), 'not_found');

  assert.equal(await count(`SELECT 1 FROM ticket_events WHERE ticket_id = ${sqlLiteral(s.ticketId)}`), before.events);
  assert.equal(await count(`SELECT 1 FROM ticket_comments WHERE ticket_id = ${sqlLiteral(s.ticketId)}`), before.comments);
});

test("an operator's public comment is pushed as public, and its echo is not pulled back", async () => {
  needs('remoteId', 'hookUrl');
  const text = 'Olivia here: the replacement left our warehouse.';
  await api('POST', `/api/v1/tickets/${s.code}/comment`, { comment: text, visibility: 'public' });
  const put = await until(() => zd.calls('PUT', `/api/v2/tickets/${s.remoteId}.json`)
    .find((r) => r.status === 200 && r.json.ticket.comment?.body?.includes(text)), 'the comment in Zendesk', { poke: true });
  assert.equal(put.json.ticket.comment.public, true);
  const theirs = zd.tickets.get(Number(s.remoteId)).comments.find((c) => c.body.includes(text));
  assert.equal(theirs.author_id, zd.me.id);
  await until(async () => (await link()).state === 'synced', 'the link synced again', { poke: true });
  const ours = await one(`SELECT id FROM ticket_comments WHERE ticket_id = ${sqlLiteral(s.ticketId)} AND body = ${sqlLiteral(text)}`);
  const known = await one(`SELECT * FROM sync_comments WHERE comment_id = ${ours.id}`);
  assert.equal(known.direction, 'push');
  assert.equal(known.remote_comment_id, String(theirs.id));
  const pushed = (await eventsOf(s.ticketId)).filter((e) => e.kind === 'synced').map((e) => JSON.parse(e.data)).at(-1);
  assert.equal(pushed.direction, 'push');
  assert.ok(pushed.changes.includes('comment'), JSON.stringify(pushed));

  // Zendesk tells us about the comment we just added: it is ours, nothing is added.
  const res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, zd.echoOf(s.remoteId, theirs.id));
  assert.equal(res.status, 200, res.text);
  assert.equal(await count(`SELECT 1 FROM ticket_comments WHERE ticket_id = ${sqlLiteral(s.ticketId)} AND body LIKE ${sqlLiteral(`%${text}%`)}`), 1);
});

test('a 429 from Zendesk is retried after its Retry-After, without counting as a failure', async () => {
  needs('remoteId');
  zd.failNext(1, { status: 429, retryAfter: 2, when: (r) => r.method === 'PUT' });
  await api('POST', `/api/v1/tickets/${s.code}/priority`, { priority: 'high' });
  const done = await until(() => zd.calls('PUT', `/api/v2/tickets/${s.remoteId}.json`)
    .find((r) => r.status === 200 && r.json.ticket.priority === 'high'), 'the priority in Zendesk', { poke: true });
  const limited = zd.calls('PUT', `/api/v2/tickets/${s.remoteId}.json`).find((r) => r.status === 429);
  assert.ok(limited, 'the first try was answered 429');
  const waited = done.at - limited.at;
  // The Worker's clock only moves on I/O (workerd), so it may date the 429 a few ms before the
  // double did: a margin of 100 ms, no more.
  assert.ok(waited >= 1_900, `retried ${waited} ms after the 429 (Retry-After: 2)`);
  assert.equal(zd.tickets.get(Number(s.remoteId)).priority, 'high');
  const l = await until(async () => {
    const row = await link();
    return row.state === 'synced' && row;
  }, 'the link synced after the retry', { poke: true });
  assert.equal(l.attempts, 0);
  assert.equal(l.pushed_priority, 'high');
});

test('a 422 leaves the link failed with the reason; "Retry now" after the fault is fixed syncs it', async () => {
  needs('remoteId');
  const reason = 'Requester: ada@example.com is suspended';
  zd.failNext(Infinity, {
    status: 422,
    body: { error: 'RecordInvalid', description: 'Record validation errors', details: { requester: [{ description: reason, error: 'InvalidValue' }] } },
    when: (r) => r.method === 'PUT',
  });
  const note = 'Internal: courier claim number 4711.';
  await api('POST', `/api/v1/tickets/${s.code}/comment`, { comment: note, visibility: 'internal' });
  const failed = await until(async () => {
    const row = await link();
    return row.state === 'failed' && row;
  }, 'the link failed', { ms: 120_000, poke: true });
  assert.ok(failed.error, 'the reason is kept');
  assert.match(failed.error, /422|RecordInvalid|Record validation|suspended/i);

  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  const section = syncSection(ops);
  const shown = await section.innerText();
  assert.match(shown, /Failed/);
  assert.ok(shown.includes(failed.error) || /suspended|Record validation|422/i.test(shown), shown);
  await section.screenshot({ path: join(OUT, 'ticket-failed-1280.png') });

  assert.deepEqual(await listed('sync=failed'), [s.code]);
  assert.deepEqual(await listed('sync=none'), [s.oldCode]);
  assert.deepEqual(await apiListed('sync=failed'), [s.code]);

  // Fixed in Zendesk; the operator retries by hand.
  zd.clearFaults();
  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  const posted = ops.waitForResponse((r) => r.request().method() === 'POST');
  await ops.getByRole('button', { name: /Retry now/ }).first().click();
  await posted;
  await ops.waitForLoadState('load');
  await until(async () => (await link()).state === 'synced', 'the link synced after Retry now', { poke: true });
  const put = zd.calls('PUT', `/api/v2/tickets/${s.remoteId}.json`).filter((r) => r.status === 200).at(-1);
  assert.equal(put.json.ticket.comment?.public, false, 'an internal note goes out as a private note');
  assert.ok(put.json.ticket.comment.body.includes(note));
  assert.equal((await link()).error, null);

  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  assert.match(await syncSection(ops).innerText(), /Synced/);
  assert.doesNotMatch(await syncSection(ops).innerText(), /Failed/);
  assert.deepEqual(await listed('sync=synced'), [s.code]);
  assert.deepEqual(await listed('sync=failed'), []);
  assert.deepEqual(await apiListed('sync=synced'), [s.code]);

  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  await axeClean(ops, 'the ticket page with its External Sync section');
  await shots(ops, 'ticket-sync', syncSection(ops));
  await shots(ops, 'ticket');
});

test('a ticket deleted in Zendesk marks the link deleted and stops syncing; ours stays', async () => {
  needs('remoteId', 'hookUrl');
  const res = await zd.sendWebhook(s.hookUrl, SIGNING_SECRET, zd.softDelete(s.remoteId));
  assert.equal(res.status, 200, res.text);
  const l = await link();
  assert.equal(l.state, 'deleted');
  const t = await ticketRow();
  assert.equal(t.code, s.code, 'our ticket stays');
  const last = (await eventsOf(s.ticketId)).filter((e) => e.kind === 'synced').map((e) => JSON.parse(e.data)).at(-1);
  assert.equal(last.direction, 'pull');
  assert.ok(last.changes.includes('deleted'), JSON.stringify(last));

  // Syncing has stopped: a change here goes nowhere.
  const puts = zd.requests.length;
  await api('POST', `/api/v1/tickets/${s.code}/comment`, { comment: 'Anyone there?', visibility: 'internal' });
  await sleep(1_500);
  await fetch(`${worker.baseUrl}/__scheduled?cron=*+*+*+*+*`);
  await sleep(1_500);
  assert.equal(zd.requests.length, puts, 'nothing sent to Zendesk');
  assert.equal((await link()).state, 'deleted');
  await ops.goto(`${worker.baseUrl}/app/tickets/${s.code}`);
  assert.match(await syncSection(ops).innerText(), /Deleted remotely/);
});
