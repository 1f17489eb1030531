// The operators' dashboard in a real browser: Debian's headless Chromium against a real
// `wrangler dev` + local D1. Sign in with email and password, see the site's tickets (visitor text
// shown as text, never as markup), filter, open a ticket, pass axe, sign out.
// Screenshots land in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { passwordHash } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';

const OLGA = { email: 'olga@shop.example', password: 'olga-password-0001' };
const OTHER_TOKEN = 'tbo_dashboard_e2e_other_site_token_01';
const HOSTILE_SUBJECT = '<img src=x onerror="window.pwned=1">Refund';
const OUTPUT = join(ROOT, 'tests', 'output');

let worker;
let browser;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }, { key: 'other', name: 'Other' }] });
  await worker.sql(`
    INSERT INTO operators (id, email, name, password_hash, created_at) VALUES
      ('0000000000000000000000000000000a', 'olga@shop.example', 'Olga Operator', ${sqlLiteral(passwordHash(OLGA.password))}, 0),
      ('0000000000000000000000000000000b', 'otto@other.example', 'Otto Other', NULL, 0);
    INSERT INTO site_members (site_id, operator_id, role, created_at)
      SELECT id, '0000000000000000000000000000000a', 'member', 0 FROM sites WHERE key = 'shop';
    INSERT INTO site_members (site_id, operator_id, role, created_at)
      SELECT id, '0000000000000000000000000000000b', 'owner', 0 FROM sites WHERE key = 'other';
    INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
      SELECT ${sqlLiteral(sha256(OTHER_TOKEN))}, id, '0000000000000000000000000000000b', 0 FROM sites WHERE key = 'other';`);
  const tickets = [
    ['shop', { subject: HOSTILE_SUBJECT, description: 'Charged twice.\nCard ending 42.',
      requester: { name: 'Vera Visitor', email: 'vera@example.com' },
      transcript: [{ author: 'visitor', text: 'I was charged twice' }, { author: 'bot', text: 'Opening a ticket.' }] }],
    ['shop', { subject: 'Cannot log in' }],
    ['other', { subject: 'Other site secret' }],
  ];
  for (const [site, body] of tickets) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/${site}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await worker.sql("UPDATE tickets SET status = 'pending' WHERE code = 'TKT-2' AND site_id = (SELECT id FROM sites WHERE key = 'shop')");
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** An axe violation with the elements it names, so a failure says what to fix. */
function describeViolation(v) {
  const where = v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.split('\n').slice(1).join(' ').trim()})`);
  return `${v.id}: ${v.help} — ${where.join('; ')}`;
}

async function signIn(page, { email, password }) {
  await page.context().clearCookies();
  await page.goto(`${worker.baseUrl}/app/tickets`);
  assert.match(page.url(), /\/app\/login$/, 'signed-out visitors are sent to the sign-in page');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a wrong password is refused with a message, and nothing is shown', async () => {
  const page = await browser.newPage();
  await signIn(page, { email: OLGA.email, password: 'not-the-password' });
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').textContent(), /do not match an account/);
  assert.equal(await page.locator('table.tickets').count(), 0);
  await page.close();
});

test('an operator sees their site\'s tickets, with visitor text as text', async () => {
  const page = await browser.newPage();
  await signIn(page, OLGA);
  await page.waitForURL(/\/app\/tickets$/);
  const rows = page.locator('table.tickets tbody tr');
  assert.equal(await rows.count(), 2, 'two tickets on this site, none from the other');
  const subjects = await page.locator('td.subject .subject-text').allTextContents();
  assert.deepEqual(subjects.sort(), ['Cannot log in', HOSTILE_SUBJECT].sort());
  assert.equal(await page.locator('table.tickets img').count(), 0, 'no markup from visitor text');
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.match(await page.locator('header.topbar').textContent(), /Olga Operator · member/);
  await page.screenshot({ path: join(OUTPUT, 'dashboard-list.png'), fullPage: true });

  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);

  await page.getByRole('link', { name: /^Pending/ }).click();
  await page.waitForURL(/status=pending/);
  assert.deepEqual(await page.locator('td.subject .subject-text').allTextContents(), ['Cannot log in']);

  await page.getByRole('link', { name: /^All/ }).click();
  await page.getByRole('searchbox').fill('refund');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/q=refund/);
  assert.deepEqual(await page.locator('td.subject .subject-text').allTextContents(), [HOSTILE_SUBJECT]);
  await page.close();
});

test('the ticket page shows the description, the transcript and the timeline', async () => {
  const page = await browser.newPage();
  await signIn(page, OLGA);
  await page.waitForURL(/\/app\/tickets$/);
  await page.getByRole('link', { name: 'TKT-1' }).click();
  await page.waitForURL(/\/app\/tickets\/TKT-1$/);
  assert.equal(await page.locator('h1').textContent(), `TKT-1 ${HOSTILE_SUBJECT}`);
  const text = await page.locator('article.ticket').innerText();
  for (const expected of ['Vera Visitor', 'vera@example.com', 'Card ending 42.', 'I was charged twice',
    'Opening a ticket.', 'Created via widget']) {
    assert.ok(text.includes(expected), `missing ${expected}`);
  }
  await page.screenshot({ path: join(OUTPUT, 'dashboard-ticket.png'), fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);

  // Codes are per site: the other site's operator asking for TKT-1 gets their own TKT-1,
  // never this one.
  const res = await fetch(`${worker.baseUrl}/app/tickets/TKT-1`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
  const theirs = await res.text();
  assert.equal(res.status, 200);
  assert.ok(theirs.includes('Other site secret') && !theirs.includes('Vera Visitor') && !theirs.includes('Refund'));
  const missing = await fetch(`${worker.baseUrl}/app/tickets/TKT-2`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
  assert.equal(missing.status, 404, 'the other site has no TKT-2, whatever this site has');
  const other = await fetch(`${worker.baseUrl}/app/tickets`, { headers: { authorization: `Bearer ${OTHER_TOKEN}` } });
  const otherHtml = await other.text();
  assert.ok(otherHtml.includes('Other site secret') && !otherHtml.includes('Cannot log in'));

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/app\/login$/);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  assert.match(page.url(), /\/app\/login$/, 'signed out means signed out');
  await page.close();
});
