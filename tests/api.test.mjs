// The public widget API, end to end: real `wrangler dev`, real local D1, requests over HTTP.
// Every test checks what landed in D1, not only the status code. Tests that count rows use a
// site of their own, so they do not depend on each other's order.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';

import { startWorker, sqlLiteral } from './support/wrangler.mjs';

const ORIGIN = 'https://shop.example';
const OTHER_ORIGIN = 'https://evil.example';
const MAX_BODY_BYTES = 256 * 1024;

/** The fields a visitor may see, and nothing else (no assignee, priority, requester …). */
const VISITOR_TICKET_FIELDS = [
  'code', 'created_at', 'description', 'id', 'status', 'status_label', 'subject', 'updated_at',
];

const SITES = [
  { key: 'alpha', allowed_origins: [ORIGIN] },
  { key: 'beta', allowed_origins: [ORIGIN] },
  { key: 'create' },
  { key: 'replay' },
  { key: 'conflict' },
  { key: 'keyless' },
  { key: 'invalid' },
  { key: 'contact', code_prefix: 'ACME', contact_required: 1 },
  { key: 'closed', ticketing_enabled: 0 },
  { key: 'reads' },
  { key: 'protocol' },
  { key: 'cors', allowed_origins: [ORIGIN] },
  { key: 'burst' },
  { key: 'single' },
  { key: 'expiry' },
  { key: 'limited', allowed_origins: [ORIGIN] },
];

let worker;

before(async () => {
  worker = await startWorker({ sites: SITES });
});

after(async () => {
  await worker?.stop();
});

// ---- helpers ------------------------------------------------------------------------------

/** POSTs a create; `key: null` sends no Idempotency-Key. Returns { status, body, headers }. */
async function create(site, body, { key = randomUUID(), token, origin, headers = {} } = {}) {
  const sent = { 'content-type': 'application/json', ...headers };
  if (key !== null) sent['idempotency-key'] = key;
  if (token) sent.authorization = `Bearer ${token}`;
  if (origin) sent.origin = origin;
  return send('POST', `/api/v1/sites/${site}/tickets`, {
    headers: sent,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function get(path, { token, origin } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (origin) headers.origin = origin;
  return send('GET', path, { headers });
}

async function send(method, path, init = {}) {
  const res = await fetch(`${worker.baseUrl}${path}`, { method, ...init });
  const text = await res.text();
  let body = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, body, headers: res.headers };
}

/** Asserts an error response: the status, the code, and the common error shape. */
function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body?.error?.code, code, JSON.stringify(res.body));
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0, 'an error has a message');
  assert.equal(typeof res.body.error.fields, 'object');
}

/** How many tickets, events and idempotency keys a site has in D1: one query. */
async function footprint(site) {
  const [row] = await worker.sql(`
    SELECT (SELECT count(*) FROM tickets WHERE site_id = s.id) AS tickets,
           (SELECT count(*) FROM ticket_events WHERE site_id = s.id) AS events,
           (SELECT count(*) FROM idempotency_keys WHERE site_id = s.id) AS keys,
           s.next_ticket_number AS next_number
    FROM sites s WHERE s.key = ${sqlLiteral(site)}`);
  assert.ok(row, `site ${site} exists`);
  return row;
}

const NOTHING_WRITTEN = { tickets: 0, events: 0, keys: 0, next_number: 1 };

/** A site's tickets in D1, by number. */
async function ticketsOf(site) {
  return worker.sql(`
    SELECT t.* FROM tickets t JOIN sites s ON s.id = t.site_id
    WHERE s.key = ${sqlLiteral(site)} ORDER BY t.number`);
}

// ---- health and config --------------------------------------------------------------------

test('GET /healthz answers ok', async () => {
  const res = await get('/healthz');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ok: true });
});

test('the config of a site comes from its sites row; an unknown site is site_not_found', async () => {
  const res = await get('/api/v1/sites/contact/config');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, {
    site: 'contact',
    enabled: true,
    contact_required: true,
    cta_label: 'Open a ticket',
    code_prefix: 'ACME',
    locale: 'en',
  });
  assert.equal((await get('/api/v1/sites/closed/config')).body.enabled, false);
  assertError(await get('/api/v1/sites/nosuchsite/config'), 404, 'site_not_found');
});

// ---- create -------------------------------------------------------------------------------

test('a create answers 201 with the ticket and writes one ticket and one created event', async () => {
  const res = await create('create', {
    subject: '  Printer on fire  ',
    description: 'It is very hot.',
    transcript: [{ author: 'visitor', text: 'help' }, { author: 'bot', text: 'Opening a ticket.' }],
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const { ticket, visitor_token } = res.body;
  assert.equal(ticket.code, 'TKT-1');
  assert.equal(ticket.subject, 'Printer on fire', 'the subject is trimmed');
  assert.equal(ticket.status, 'open');
  assert.match(ticket.id, /^[0-9a-f]{32}$/);
  assert.equal(typeof visitor_token, 'string');
  assert.ok(visitor_token.length > 0);
  assert.deepEqual(Object.keys(ticket).sort(), VISITOR_TICKET_FIELDS);

  const rows = await ticketsOf('create');
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.equal(row.id, ticket.id);
  assert.equal(row.code, 'TKT-1');
  assert.equal(row.number, 1);
  assert.equal(row.status, 'open');
  assert.equal(row.source, 'widget');
  assert.equal(row.subject, 'Printer on fire');
  assert.equal(row.description, 'It is very hot.');
  assert.equal(row.assignee_id, null, 'a visitor ticket has no assignee');
  assert.ok(row.visitor_id, 'the ticket belongs to the visitor');
  assert.deepEqual(JSON.parse(row.transcript).map((e) => e.author), ['visitor', 'bot']);

  const events = await worker.sql(
    `SELECT kind, site_id FROM ticket_events WHERE ticket_id = ${sqlLiteral(ticket.id)}`);
  assert.deepEqual(events.map((e) => e.kind), ['created']);
  assert.equal(events[0].site_id, row.site_id);
  assert.deepEqual(await footprint('create'), { tickets: 1, events: 1, keys: 1, next_number: 2 });
});

test('a replay (same key, same body) answers 200 with the same ticket and writes nothing', async () => {
  const key = randomUUID();
  const body = { subject: 'Replay me', description: 'once' };
  const first = await create('replay', body, { key });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await create('replay', body, { key });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.ticket.id, first.body.ticket.id);
  assert.equal(again.body.ticket.code, first.body.ticket.code);
  // Knowing the key and the body is not a credential: no visitor token without proof.
  assert.equal(again.body.visitor_token, undefined);
  const proven = await create('replay', body, { key, token: first.body.visitor_token });
  assert.equal(proven.status, 200, JSON.stringify(proven.body));
  assert.equal(proven.body.ticket.id, first.body.ticket.id);
  assert.equal(typeof proven.body.visitor_token, 'string');
  assert.deepEqual(await footprint('replay'), { tickets: 1, events: 1, keys: 1, next_number: 2 });
});

test('the same key with a different body is idempotency_key_reused and writes nothing', async () => {
  const key = randomUUID();
  const first = await create('conflict', { subject: 'First' }, { key });
  assert.equal(first.status, 201);
  const other = await create('conflict', { subject: 'Second' }, { key });
  assertError(other, 422, 'idempotency_key_reused');
  const rows = await ticketsOf('conflict');
  assert.deepEqual(rows.map((r) => r.subject), ['First']);
  assert.deepEqual(await footprint('conflict'), { tickets: 1, events: 1, keys: 1, next_number: 2 });
});

test('a create without an Idempotency-Key is idempotency_key_required', async () => {
  assertError(await create('keyless', { subject: 'No key' }, { key: null }), 400, 'idempotency_key_required');
  assert.deepEqual(await footprint('keyless'), NOTHING_WRITTEN);
});

test('an invalid ticket is validation_failed with per-field messages', async () => {
  const empty = await create('invalid', { subject: '   ' });
  assertError(empty, 422, 'validation_failed');
  assert.equal(typeof empty.body.error.fields.subject, 'string');

  const missing = await create('invalid', {});
  assertError(missing, 422, 'validation_failed');
  assert.ok(missing.body.error.fields.subject, 'a missing subject is a field error, not a 400');

  const long = await create('invalid', { subject: 'x'.repeat(201) });
  assertError(long, 422, 'validation_failed');
  assert.ok(long.body.error.fields.subject);

  assert.deepEqual(await footprint('invalid'), NOTHING_WRITTEN);
});

test('a site that requires contact details refuses a ticket without them, and takes one with them', async () => {
  const without = await create('contact', { subject: 'Who am I' });
  assertError(without, 422, 'validation_failed');
  assert.ok(without.body.error.fields['requester.name'], JSON.stringify(without.body));
  assert.ok(without.body.error.fields['requester.email'], JSON.stringify(without.body));
  assert.deepEqual(await footprint('contact'), NOTHING_WRITTEN);

  const withContact = await create('contact', {
    subject: 'Who am I',
    requester: { name: 'Ada Lovelace', email: 'ada@example.com' },
  });
  assert.equal(withContact.status, 201, JSON.stringify(withContact.body));
  assert.equal(withContact.body.ticket.code, 'ACME-1');
  const [row] = await ticketsOf('contact');
  assert.equal(row.requester_name, 'Ada Lovelace');
  assert.equal(row.requester_email, 'ada@example.com');
  assert.equal(row.code, 'ACME-1');
});

test('a site with ticketing disabled is ticketing_disabled', async () => {
  assertError(await create('closed', { subject: 'Anyone?' }), 403, 'ticketing_disabled');
  assert.deepEqual(await footprint('closed'), NOTHING_WRITTEN);
});

// ---- reading one's own tickets ------------------------------------------------------------

test('a visitor token reads that visitor\'s tickets, newest first, and nobody else\'s', async () => {
  const first = await create('reads', { subject: 'First of mine' });
  assert.equal(first.status, 201);
  const token = first.body.visitor_token;
  const second = await create('reads', { subject: 'Second of mine' }, { token });
  assert.equal(second.status, 201);
  const stranger = await create('reads', { subject: 'Not yours' });
  assert.equal(stranger.status, 201);

  const rows = await ticketsOf('reads');
  assert.equal(rows.length, 3);
  assert.equal(rows[0].visitor_id, rows[1].visitor_id, 'a token keeps the visitor');
  assert.notEqual(rows[0].visitor_id, rows[2].visitor_id, 'no token, new visitor');

  const list = await get('/api/v1/sites/reads/tickets', { token });
  assert.equal(list.status, 200, JSON.stringify(list.body));
  assert.deepEqual(list.body.tickets.map((t) => t.code), ['TKT-2', 'TKT-1']);
  for (const ticket of list.body.tickets) {
    assert.deepEqual(Object.keys(ticket).sort(), VISITOR_TICKET_FIELDS, 'no internal fields');
  }

  const one = await get(`/api/v1/sites/reads/tickets/${first.body.ticket.id}`, { token });
  assert.equal(one.status, 200, JSON.stringify(one.body));
  assert.equal(one.body.id, first.body.ticket.id);
  assert.equal(one.body.subject, 'First of mine');
  assert.deepEqual(Object.keys(one.body).sort(), VISITOR_TICKET_FIELDS);

  assertError(await get('/api/v1/sites/reads/tickets'), 401, 'unauthorized');
  assertError(await get(`/api/v1/sites/reads/tickets/${first.body.ticket.id}`), 401, 'unauthorized');
  assertError(await get('/api/v1/sites/reads/tickets', { token: 'v1.forged.token' }), 401, 'unauthorized');
  assertError(
    await get(`/api/v1/sites/reads/tickets/${first.body.ticket.id}`, { token: stranger.body.visitor_token }),
    404, 'not_found');
  const strangers = await get('/api/v1/sites/reads/tickets', { token: stranger.body.visitor_token });
  assert.deepEqual(strangers.body.tickets.map((t) => t.code), ['TKT-3']);
});

test('an unknown site is site_not_found, and a token from another site is refused', async () => {
  const before = (await worker.sql('SELECT count(*) AS n FROM tickets'))[0].n;
  assertError(await create('nosuchsite', { subject: 'Hello' }), 404, 'site_not_found');
  assertError(await get('/api/v1/sites/nosuchsite/tickets'), 404, 'site_not_found');
  assert.equal((await worker.sql('SELECT count(*) AS n FROM tickets'))[0].n, before);

  const onBeta = await create('beta', { subject: 'Beta ticket' });
  assert.equal(onBeta.status, 201);
  const betaToken = onBeta.body.visitor_token;
  const cross = await get('/api/v1/sites/alpha/tickets', { token: betaToken });
  assert.ok([401, 404].includes(cross.status), `beta's token on alpha: ${cross.status}`);
  const crossOne = await get(`/api/v1/sites/alpha/tickets/${onBeta.body.ticket.id}`, { token: betaToken });
  assert.ok([401, 404].includes(crossOne.status), `beta's ticket through alpha: ${crossOne.status}`);
  assert.equal(
    (await get(`/api/v1/sites/beta/tickets/${onBeta.body.ticket.id}`, { token: betaToken })).status, 200,
    'the same token works on its own site');
});

// ---- the protocol -------------------------------------------------------------------------

test('an unknown route is not_found', async () => {
  assertError(await get('/api/v1/nothing-here'), 404, 'not_found');
  assertError(await get('/api/v1/sites/alpha/nothing-here'), 404, 'not_found');
});

test('a wrong method is method_not_allowed with an Allow header', async () => {
  const del = await send('DELETE', '/api/v1/sites/alpha/tickets');
  assertError(del, 405, 'method_not_allowed');
  assert.match(del.headers.get('allow') ?? '', /POST/);
  assertError(await send('POST', '/api/v1/sites/alpha/config'), 405, 'method_not_allowed');
});

test('a body that is not JSON, too large, or malformed is refused and writes nothing', async () => {
  const text = await create('protocol', 'subject=hello', { headers: { 'content-type': 'text/plain' } });
  assertError(text, 415, 'unsupported_media_type');

  const big = JSON.stringify({ subject: 'Big', description: 'x'.repeat(MAX_BODY_BYTES) });
  assert.ok(big.length > MAX_BODY_BYTES);
  assertError(await create('protocol', big), 413, 'payload_too_large');
  // Without Content-Length (chunked): cut at the limit while streaming, same answer. (Just
  // over the limit, so the rest fits in the socket buffers and the client can read the
  // answer; a much longer stream would be reset mid-send once the Worker stops reading.)
  let sent = 0;
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  const chunked = new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"subject": "Big", "description": "'));
      if (sent >= MAX_BODY_BYTES + 64 * 1024) return controller.close();
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const streamed = await send('POST', '/api/v1/sites/protocol/tickets', {
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: chunked,
    duplex: 'half',
  });
  assertError(streamed, 413, 'payload_too_large');

  assertError(await create('protocol', '{"subject": "unterminated'), 400, 'malformed_json');
  assertError(await create('protocol', '[1, 2, 3]'), 400, 'malformed_json');

  assert.deepEqual(await footprint('protocol'), NOTHING_WRITTEN);
  // The refusals consumed nothing: the next good create is number 1.
  const good = await create('protocol', { subject: 'Fine' });
  assert.equal(good.status, 201);
  assert.equal(good.body.ticket.code, 'TKT-1');
});

// ---- CORS ---------------------------------------------------------------------------------

test('a preflight from an allowed origin is granted; from any other origin it is refused', async () => {
  const preflight = (origin) => send('OPTIONS', '/api/v1/sites/cors/tickets', {
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, idempotency-key',
    },
  });
  const granted = await preflight(ORIGIN);
  assert.equal(granted.status, 204);
  assert.equal(granted.headers.get('access-control-allow-origin'), ORIGIN);
  assert.equal(granted.headers.get('access-control-allow-methods'), 'GET, POST, OPTIONS');
  assert.equal(
    granted.headers.get('access-control-allow-headers'), 'Content-Type, Idempotency-Key, Authorization, Ticketbooth-Identity');
  assert.equal(granted.headers.get('access-control-max-age'), '86400');
  assert.match(granted.headers.get('vary') ?? '', /Origin/);

  const refused = await preflight(OTHER_ORIGIN);
  assertError(refused, 403, 'origin_not_allowed');
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
});

test('a POST from a foreign origin is refused before anything is written', async () => {
  const refused = await create('cors', { subject: 'From elsewhere' }, { origin: OTHER_ORIGIN });
  assertError(refused, 403, 'origin_not_allowed');
  assert.equal(refused.headers.get('access-control-allow-origin'), null);
  assert.deepEqual(await footprint('cors'), NOTHING_WRITTEN);

  const allowed = await create('cors', { subject: 'From the shop' }, { origin: ORIGIN });
  assert.equal(allowed.status, 201, JSON.stringify(allowed.body));
  assert.equal(allowed.headers.get('access-control-allow-origin'), ORIGIN);

  // The Worker's own origin (the demo page, the dashboard) is always allowed.
  const own = await get('/api/v1/sites/cors/config', { origin: worker.baseUrl });
  assert.equal(own.status, 200);
  assert.equal(own.headers.get('access-control-allow-origin'), worker.baseUrl);

  // Without an Origin header (server to server) a request passes, with no CORS grant.
  const server = await get('/api/v1/sites/cors/config');
  assert.equal(server.status, 200);
  assert.equal(server.headers.get('access-control-allow-origin'), null);

  assert.deepEqual(await ticketsOf('cors').then((rows) => rows.map((r) => r.subject)), ['From the shop']);
});

// ---- concurrency --------------------------------------------------------------------------

/** A distinct client address per simulated visitor, so the per-client limit (20 a minute) is
 * not what these tests measure. Cloudflare overwrites the header at its edge; `wrangler dev`
 * passes it through. */
function client(i) {
  return { 'cf-connecting-ip': `198.51.100.${i + 1}` };
}

test('50 concurrent creates with distinct keys get the numbers 1..50, each exactly once', async () => {
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) => create('burst', { subject: `Burst ${i}` }, { headers: client(i) })));
  const statuses = responses.map((r) => r.status);
  assert.deepEqual(statuses, Array(50).fill(201), JSON.stringify(responses.find((r) => r.status !== 201)?.body));

  const expected = Array.from({ length: 50 }, (_, i) => i + 1);
  const answered = responses.map((r) => Number(r.body.ticket.code.replace('TKT-', ''))).sort((a, b) => a - b);
  assert.deepEqual(answered, expected);

  const rows = await ticketsOf('burst');
  assert.deepEqual(rows.map((r) => r.number), expected);
  assert.deepEqual(rows.map((r) => r.code), expected.map((n) => `TKT-${n}`));
  assert.equal(new Set(rows.map((r) => r.id)).size, 50);
  assert.deepEqual(await footprint('burst'), { tickets: 50, events: 50, keys: 50, next_number: 51 });
});

test('50 concurrent creates with one key and body make exactly one ticket', async () => {
  const key = randomUUID();
  const body = { subject: 'Clicked fifty times' };
  const responses = await Promise.all(
    Array.from({ length: 50 }, (_, i) => create('single', body, { key, headers: client(i) })));
  const statuses = responses.map((r) => r.status);
  assert.ok(statuses.every((s) => s === 200 || s === 201),
    `statuses: ${JSON.stringify(statuses)} ${JSON.stringify(responses.find((r) => r.status >= 300)?.body)}`);
  assert.equal(statuses.filter((s) => s === 201).length, 1, 'exactly one create made the ticket');
  assert.equal(new Set(responses.map((r) => r.body.ticket.id)).size, 1, 'every answer is the same ticket');

  const rows = await ticketsOf('single');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].id, responses[0].body.ticket.id);
  assert.deepEqual(await footprint('single'), { tickets: 1, events: 1, keys: 1, next_number: 2 });
});

test('the Cron Trigger forgets idempotency keys after 7 days and keeps the tickets', async () => {
  const old = randomUUID();
  const fresh = randomUUID();
  assert.equal((await create('expiry', { subject: 'Old one' }, { key: old })).status, 201);
  assert.equal((await create('expiry', { subject: 'New one' }, { key: fresh })).status, 201);
  const eightDays = 8 * 24 * 60 * 60 * 1000;
  await worker.sql(
    `UPDATE idempotency_keys SET created_at = created_at - ${eightDays} WHERE key = ${sqlLiteral(old)}`,
  );

  const run = await fetch(`${worker.baseUrl}/__scheduled?cron=17+*+*+*+*`);
  assert.equal(run.status, 200, await run.text());

  const keys = await worker.sql(
    "SELECT k.key FROM idempotency_keys k JOIN sites s ON s.id = k.site_id WHERE s.key = 'expiry'",
  );
  assert.deepEqual(keys.map((r) => r.key), [fresh]);
  const tickets = await worker.sql(
    "SELECT count(*) AS n FROM tickets t JOIN sites s ON s.id = t.site_id WHERE s.key = 'expiry'",
  );
  assert.equal(tickets[0].n, 2);
  assert.match(worker.log(), /scheduled: expired 1 idempotency keys/);
});

test('a client past its budget gets 429 rate_limited with Retry-After, and nothing is written', async () => {
  const ip = { 'cf-connecting-ip': '203.0.113.9' };
  const responses = [];
  for (let i = 0; i < 21; i++) {
    responses.push(await create('limited', { subject: `Try ${i}` }, { headers: ip, origin: ORIGIN }));
  }
  assert.deepEqual(responses.slice(0, 20).map((r) => r.status), Array(20).fill(201));
  const refused = responses[20];
  assertError(refused, 429, 'rate_limited');
  assert.equal(refused.headers.get('retry-after'), '60');
  assert.equal(refused.headers.get('access-control-allow-origin'), ORIGIN);
  assert.deepEqual(await footprint('limited'), { tickets: 20, events: 20, keys: 20, next_number: 21 });
  // Another client on the same site still gets through.
  const other = await create('limited', { subject: 'Someone else' }, { headers: { 'cf-connecting-ip': '203.0.113.10' } });
  assert.equal(other.status, 201);
});

test('the demo host pages are not served by the Worker (nor deployed); the try page is', async () => {
  // www/.assetsignore keeps www/demo/ out of the assets wrangler serves and uploads.
  for (const path of ['/demo/', '/demo/index.html', '/demo/hostile.html']) {
    const res = await fetch(`${worker.baseUrl}${path}`);
    assert.notEqual(res.status, 200, path);
    assert.doesNotMatch(await res.text(), /Northwind/, path);
  }
  const tryPage = await fetch(`${worker.baseUrl}/try/?site=alpha`);
  assert.equal(tryPage.status, 200);
  assert.match(await tryPage.text(), /Test the widget/);
});
