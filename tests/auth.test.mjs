// Sign-in, sessions, people and sites in a real browser: Debian's headless Chromium against a
// real `wrangler dev` + local D1. Password sign-in (the hash made by Node's PBKDF2, checked by
// the Worker's WebCrypto), refusals that say nothing about which emails exist, a dead cookie
// after sign-out, login CSRF refused, an invitation accepted, an API token made and used, the
// site switcher, site settings reaching the public config; axe on every page; screenshots in
// tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, runWrangler, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

let worker;
let browser;
let ann;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }, { key: 'other', name: 'Other' }] });
  ann = await addOperator(worker, { site: 'shop', role: 'owner', email: 'ann@shop.example', name: 'Ann Owner' });
  await addOperator(worker, { site: 'other', role: 'member', id: ann.id });
  for (const [site, subject] of [['shop', 'Shop question'], ['other', 'Other question']]) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/${site}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

function describeViolation(v) {
  const where = v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.split('\n').slice(1).join(' ').trim()})`);
  return `${v.id}: ${v.help} — ${where.join('; ')}`;
}

async function noAxeViolations(page) {
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);
}

async function sessionCookie(page) {
  const cookies = await page.context().cookies(worker.baseUrl);
  return cookies.find((c) => c.name === 'tb_session');
}

test('sign in with a password; a wrong password and an unknown email get the same answer', async () => {
  const page = await browser.newPage();
  await page.goto(`${worker.baseUrl}/app/login`);
  await noAxeViolations(page);
  await page.screenshot({ path: join(OUTPUT, 'auth-login.png') });

  const refusal = async (email, password) => {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    return page.getByRole('alert').textContent();
  };
  const wrong = await refusal(ann.email, 'not-the-password');
  const unknown = await refusal('nobody@shop.example', 'not-the-password');
  assert.equal(wrong, unknown);
  assert.match(wrong, /do not match an account/);
  await page.screenshot({ path: join(OUTPUT, 'auth-login-refused.png') });

  await signIn(page, worker, ann);
  const cookie = await sessionCookie(page);
  assert.ok(cookie.httpOnly, 'HttpOnly');
  assert.equal(cookie.sameSite, 'Lax');
  assert.equal(cookie.path, '/');
  assert.match(await page.locator('header.topbar').innerText(), /Ann Owner · owner/);
  await page.close();
});

test('after signing out, the old cookie opens nothing', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, ann);
  const cookie = await sessionCookie(page);
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(/\/app\/login$/);
  const res = await fetch(`${worker.baseUrl}/app/tickets`, {
    headers: { cookie: `tb_session=${cookie.value}` },
    redirect: 'manual',
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), '/app/login');
  await page.close();
});

test('a cross-site form POST to /app/login is refused', async () => {
  // From a page on another site (localhost is not the same site as 127.0.0.1), as an attacker
  // would host it: a form that signs the victim's browser in as the attacker.
  const page = await browser.newPage();
  const foreign = worker.baseUrl.replace('127.0.0.1', 'localhost');
  await page.goto(`${foreign}/try/`);
  await page.evaluate(({ action, email, password }) => {
    const form = document.createElement('form');
    form.method = 'post';
    form.action = action;
    for (const [name, value] of Object.entries({ email, password })) {
      const input = document.createElement('input');
      input.name = name;
      input.value = value;
      form.append(input);
    }
    document.body.append(form);
    form.submit();
  }, { action: `${worker.baseUrl}/app/login`, email: ann.email, password: ann.password });
  await page.waitForURL(`${worker.baseUrl}/app/login`);
  assert.match(await page.getByRole('alert').textContent(), /sent from another site/);
  assert.equal(await sessionCookie(page), undefined, 'no session was started');

  const res = await fetch(`${worker.baseUrl}/app/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    body: new URLSearchParams({ email: ann.email, password: ann.password }),
    redirect: 'manual',
  });
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('set-cookie'), null);
  await page.close();
});

test('an invitation is accepted once and signs the invitee in with the invited role', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, ann);
  await page.goto(`${worker.baseUrl}/app/settings/members`);
  await page.getByLabel('Email').fill('zoe@shop.example');
  await page.getByLabel('Role', { exact: true }).selectOption('admin');
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await page.getByLabel('Invitation link').inputValue();
  assert.match(link, /\/app\/invite\/[0-9a-f]{64}$/);
  await noAxeViolations(page);
  await page.screenshot({ path: join(OUTPUT, 'auth-members.png'), fullPage: true });

  await page.context().clearCookies();
  await page.goto(link);
  assert.match(await page.locator('h1').textContent(), /Join Shop/);
  await noAxeViolations(page);
  await page.getByLabel('Your name').fill('Zoe Admin');
  await page.getByLabel(/Choose a password/).fill('zoe-password-123');
  await page.getByRole('button', { name: 'Accept and sign in' }).click();
  await page.waitForURL(/\/app\/tickets$/);
  assert.match(await page.locator('header.topbar').innerText(), /Zoe Admin · admin/);

  await page.goto(link);
  assert.match(await page.getByRole('alert').textContent(), /already used or has expired/);
  await page.close();
});

test('an API token is shown once and works as a bearer token, with its last use shown', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, ann);
  await page.goto(`${worker.baseUrl}/app/settings/tokens`);
  await page.getByLabel('Name').fill('CRM sync');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = await page.getByLabel('API token').inputValue();
  assert.match(token, /^tbo_[0-9a-f]{64}$/);
  const res = await fetch(`${worker.baseUrl}/app/tickets`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.ok((await res.text()).includes('Shop question'));

  await page.goto(`${worker.baseUrl}/app/settings/tokens`);
  const row = page.locator('tr', { hasText: 'CRM sync' });
  assert.match(await row.innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+\d{4}-\d\d-\d\d/, 'created and last used');
  assert.ok(!(await page.content()).includes(token), 'shown only once');
  await noAxeViolations(page);
  await page.screenshot({ path: join(OUTPUT, 'auth-tokens.png'), fullPage: true });

  await row.getByRole('button', { name: /Revoke/ }).click();
  await page.getByRole('status').waitFor();
  const after = await fetch(`${worker.baseUrl}/app/tickets`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
  assert.equal(after.status, 303, 'revoked');
  await page.close();
});

test('the site switcher moves every page to the other site', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, ann);
  assert.deepEqual(await page.locator('td.subject .subject-text').allTextContents(), ['Shop question']);
  await page.getByLabel('Site').selectOption('other');
  await page.getByRole('button', { name: 'Switch' }).click();
  await page.waitForURL(/\/app\/tickets$/);
  assert.deepEqual(await page.locator('td.subject .subject-text').allTextContents(), ['Other question']);
  assert.match(await page.locator('header.topbar').innerText(), /Ann Owner · member/);
  await page.screenshot({ path: join(OUTPUT, 'auth-switched.png') });
  await page.getByLabel('Site').selectOption('shop');
  await page.getByRole('button', { name: 'Switch' }).click();
  await page.waitForURL(/\/app\/tickets$/);
  assert.deepEqual(await page.locator('td.subject .subject-text').allTextContents(), ['Shop question']);
  await page.close();
});

test('site settings are validated and reach the public config', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, ann);
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  await noAxeViolations(page);
  assert.match(await page.getByLabel('Embed snippet').inputValue(), /data-site="shop"/);

  await page.getByLabel('Allowed origins').fill('https://shop.example/checkout');
  await page.getByRole('button', { name: 'Save settings' }).click();
  assert.match(await page.getByRole('alert').textContent(), /Nothing was saved/);
  assert.match(await page.locator('#allowed_origins-error').textContent(), /Not an origin: https:\/\/shop.example\/checkout/);
  await noAxeViolations(page);
  await page.screenshot({ path: join(OUTPUT, 'auth-settings-refused.png'), fullPage: true });

  await page.getByLabel('Allowed origins').fill('https://shop.example\nhttp://localhost:8787');
  await page.getByLabel('Button label').fill('Ask the shop');
  await page.getByLabel('Widget language').selectOption('fr');
  await page.getByLabel('Ask for name and email before a ticket').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByRole('status').waitFor();
  await page.screenshot({ path: join(OUTPUT, 'auth-settings.png'), fullPage: true });
  const config = await (await fetch(`${worker.baseUrl}/api/v1/sites/shop/config`)).json();
  assert.equal(config.cta_label, 'Ask the shop');
  assert.equal(config.locale, 'fr');
  assert.equal(config.contact_required, true);

  // "Test the widget" opens the site's widget on a blank page.
  const [popup] = await Promise.all([
    page.waitForEvent('popup'),
    page.getByRole('link', { name: 'Test the widget' }).click(),
  ]);
  await popup.waitForLoadState();
  await popup.locator('[data-ready]').waitFor({ state: 'attached', timeout: 15_000 });
  await popup.close();
  await page.close();
});

test("the README's local demo sign-in works on the seed", async () => {
  await runWrangler(['d1', 'execute', 'DB', '--local', '--persist-to', worker.persistDir,
    '--file', join(ROOT, 'xtask', 'seed', 'demo.sql')]);
  const page = await browser.newPage();
  await signIn(page, worker, { email: 'owner@demo.example', password: 'ticketbooth-demo' });
  assert.match(await page.locator('header.topbar').innerText(), /Dana Demo · owner/);
  const sites = await page.getByLabel('Site').locator('option').allTextContents();
  assert.deepEqual(sites.sort(), ['Acme Inc.', 'Ticketbooth demo']);
  const res = await fetch(`${worker.baseUrl}/app/tickets`, {
    headers: { authorization: 'Bearer tbo_demo_local_dev_token_not_for_production' },
  });
  assert.equal(res.status, 200);

  // On a 390 px phone the settings pages fit without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/app/settings/site', '/app/settings/members', '/app/settings/tokens']) {
    await page.goto(`${worker.baseUrl}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `${path} is ${width} px wide`);
  }
  await page.screenshot({ path: join(OUTPUT, 'auth-tokens-phone.png'), fullPage: true });
  await page.goto(`${worker.baseUrl}/app/settings/members`);
  await page.screenshot({ path: join(OUTPUT, 'auth-members-phone.png'), fullPage: true });
  await page.close();
});

// Last in this file: it spends this address's sign-in budget for the minute.
test('password guessing is stopped by the rate limit after 20 tries a minute', async () => {
  const attempt = () => fetch(`${worker.baseUrl}/app/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: worker.baseUrl },
    body: new URLSearchParams({ email: ann.email, password: 'guess-guess-guess' }),
    redirect: 'manual',
  });
  const statuses = [];
  for (let i = 0; i < 25; i++) statuses.push((await attempt()).status);
  assert.ok(statuses.includes(429), `no 429 in ${statuses}`);
  assert.ok(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401));
  const limited = await attempt();
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '60');
  assert.match(await limited.text(), /Too many sign-in attempts/);
});
