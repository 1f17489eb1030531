// Data rights, signed visitor identity and the daily cap, against `wrangler dev` + a local D1
// and headless Chromium: an owner downloads the export from the dashboard and through the API,
// erases a requester by email; sets an identity secret on the site settings page (shown once)
// that a "site backend" here signs JWTs with; and sets a daily cap the widget's create then
// hits. Screenshots in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

let worker;
let browser;
let owner;
let member;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }, { key: 'other', name: 'Other' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  member = await addOperator(worker, { site: 'shop', role: 'member', email: 'max@shop.example', name: 'Max Member' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** A widget create on `site`; the Response. */
function create(site, body, headers = {}) {
  return fetch(`${worker.baseUrl}/api/v1/sites/${site}/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...headers },
    body: JSON.stringify(body),
  });
}

function ticketFrom(name, email, subject) {
  return {
    subject,
    description: 'Please help',
    requester: { name, email },
    transcript: [{ author: 'visitor', text: `This is ${name}, phone 555` }, { author: 'bot', text: 'Noted.' }],
  };
}

const api = (path, init = {}) => fetch(`${worker.baseUrl}${path}`, {
  ...init,
  headers: { authorization: `Bearer ${owner.token}`, ...(init.headers ?? {}) },
});

test('the export downloads every ticket as JSON Lines and CSV, from the API and the dashboard', async () => {
  for (const [name, email, subject] of [
    ['Vera Visitor', 'vera@example.com', '=HYPERLINK("http://evil.example")'],
    ['Walt Writer', 'walt@example.com', 'Cannot log in, again'],
  ]) {
    const res = await create('shop', ticketFrom(name, email, subject));
    assert.equal(res.status, 201, await res.text());
  }
  const other = await create('other', ticketFrom('Otto', 'otto@example.com', 'Other site secret'));
  assert.equal(other.status, 201);

  const jsonl = await api('/api/v1/export?format=jsonl');
  assert.equal(jsonl.status, 200);
  assert.match(jsonl.headers.get('content-disposition'), /^attachment; filename="tickets-shop-\d{4}-\d{2}-\d{2}\.jsonl"$/);
  const records = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(records.map((r) => r.code), ['TKT-1', 'TKT-2']);
  assert.equal(records[0].requester.email, 'vera@example.com');
  assert.equal(records[0].events[0].kind, 'created');
  assert.equal(records[0].transcript[0].author, 'visitor');
  assert.ok(!JSON.stringify(records).includes('Other site secret'));

  const member_try = await fetch(`${worker.baseUrl}/api/v1/export`, { headers: { authorization: `Bearer ${member.token}` } });
  assert.equal(member_try.status, 403);

  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/data`);
  await page.screenshot({ path: join(OUTPUT, 'rights-data-page.png'), fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^tickets-shop-.*\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const [header, first] = csv.split('\r\n');
  assert.ok(header.startsWith('id,code,subject,'), header);
  // RFC 4180 quoting, and the formula defused with a leading quote.
  assert.ok(first.includes(`"'=HYPERLINK(""http://evil.example"")"`), first);
  await page.close();
});

test('a big export is streamed page by page and holds every ticket once, in order', async () => {
  // 250 tickets (two and a half pages of 100) written straight into D1, on a site of their own.
  await worker.sql("INSERT INTO sites (key, name, created_at) VALUES ('big', 'Big', 0)");
  const big = await addOperator(worker, { site: 'big', role: 'admin', email: 'bea@big.example', name: 'Bea Big' });
  await worker.sql(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250)
    INSERT INTO tickets (id, site_id, number, code, subject, source, created_at, updated_at)
    SELECT printf('%032x', i), (SELECT id FROM sites WHERE key = 'big'), i, 'TKT-' || i, 'Bulk ' || i, 'api', i, i FROM n`);
  const res = await fetch(`${worker.baseUrl}/api/v1/export?format=csv`, { headers: { authorization: `Bearer ${big.token}` } });
  assert.equal(res.status, 200);
  const rows = (await res.text()).trim().split('\r\n');
  assert.equal(rows.length, 251);
  assert.deepEqual(rows.slice(1).map((r) => r.split(',')[1]), Array.from({ length: 250 }, (_, i) => `TKT-${i + 1}`));
});

test('erasing a requester by email replaces their data and leaves an anonymous event', async () => {
  const res = await create('shop', ticketFrom('Vera Visitor', 'VERA@example.com', 'Second from Vera'));
  assert.equal(res.status, 201);
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/data`);
  await page.getByLabel("Requester's email").fill('vera@example.com');
  await page.getByRole('button', { name: 'Erase personal data' }).click();
  await page.getByText('Erased the personal data on 2 tickets.').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'rights-erased.png'), fullPage: true });
  await page.close();

  const rows = await worker.sql(
    "SELECT code, requester_name, requester_email, visitor_id, transcript FROM tickets WHERE site_id = (SELECT id FROM sites WHERE key = 'shop') ORDER BY number",
  );
  const vera = rows.filter((r) => r.requester_email === '[erased]').map((r) => r.code);
  assert.deepEqual(vera, ['TKT-1', 'TKT-3']);
  for (const row of rows.filter((r) => r.requester_email === '[erased]')) {
    assert.equal(row.requester_name, '[erased]');
    assert.equal(row.visitor_id, null);
    assert.deepEqual(JSON.parse(row.transcript)[0], { author: 'visitor', text: '[erased]' });
  }
  assert.equal(rows[1].requester_email, 'walt@example.com');
  const events = await worker.sql("SELECT data, actor FROM ticket_events WHERE kind = 'erased'");
  assert.equal(events.length, 2);
  assert.deepEqual(JSON.parse(events[0].data), { tickets: 2 });
  assert.equal(JSON.parse(events[0].actor).operator_id, owner.id);
  assert.ok(!JSON.stringify(events).includes('vera'));
  // The API erases too, and says how many.
  const again = await api('/api/v1/erase', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'walt@example.com' }),
  });
  assert.deepEqual(await again.json(), { erased_tickets: 1 });
});

/** An HS256 JWT, as a site's backend makes one with Node's crypto alone. */
function signIdentity(secret, claims) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

test('a signed identity from the site backend supplies the requester; bad ones are refused', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  await page.getByRole('button', { name: 'Create a new identity secret' }).click();
  const secret = await page.getByLabel('Identity secret').inputValue();
  assert.match(secret, /^[0-9a-f]{64}$/);
  await page.screenshot({ path: join(OUTPUT, 'rights-identity-secret.png'), fullPage: true });
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown once');
  await page.close();

  const now = Math.floor(Date.now() / 1000);
  const claims = { site: 'shop', sub: 'customer-7', name: 'Ida Identified', email: 'ida@example.com', iat: now, exp: now + 600 };
  const ok = await create('shop', { subject: 'Signed in', description: 'x' }, { 'ticketbooth-identity': signIdentity(secret, claims) });
  const created = await ok.text();
  assert.equal(ok.status, 201, created);
  const { ticket } = JSON.parse(created);
  const [row] = await worker.sql(`SELECT requester_name, requester_email FROM tickets WHERE id = '${ticket.id}'`);
  assert.deepEqual(row, { requester_name: 'Ida Identified', requester_email: 'ida@example.com' });

  const before = await worker.sql('SELECT count(*) AS n FROM tickets');
  const good = signIdentity(secret, claims);
  for (const [token, words] of [
    [signIdentity(secret, { ...claims, exp: now - 5, iat: now - 600 }), /expired/],
    [signIdentity(secret, { ...claims, site: 'other' }), /another site/],
    [signIdentity('not-the-secret', claims), /signature/],
    [`${good.split('.')[0]}.${Buffer.from(JSON.stringify({ ...claims, name: 'Mallory' })).toString('base64url')}.${good.split('.')[2]}`, /signature/],
  ]) {
    const res = await create('shop', { subject: 'Hi', description: 'x' }, { 'ticketbooth-identity': token });
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.equal(body.error.code, 'identity_invalid');
    assert.match(body.error.message, words);
  }
  assert.deepEqual(await worker.sql('SELECT count(*) AS n FROM tickets'), before, 'nothing was written');
});

test('the daily cap refuses widget tickets past it with 429 and writes nothing', async () => {
  const [{ n: today }] = await worker.sql(
    "SELECT count(*) AS n FROM tickets WHERE site_id = (SELECT id FROM sites WHERE key = 'shop')",
  );
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  await page.getByLabel('Widget tickets per day (UTC)').fill(String(today + 1));
  await page.getByRole('button', { name: 'Save cap' }).click();
  await page.getByText('Settings saved.').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'rights-site-settings.png'), fullPage: true });
  await page.close();

  assert.equal((await create('shop', { subject: 'Last one today', description: 'x' })).status, 201);
  const before = await worker.sql('SELECT count(*) AS n FROM tickets');
  const refused = await create('shop', { subject: 'One too many', description: 'x' });
  assert.equal(refused.status, 429);
  const retry = Number(refused.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 86_400, String(retry));
  assert.equal((await refused.json()).error.code, 'daily_cap_reached');
  assert.deepEqual(await worker.sql('SELECT count(*) AS n FROM tickets'), before);
  // The other site is not capped.
  assert.equal((await create('other', { subject: 'Fine', description: 'x' })).status, 201);
});
