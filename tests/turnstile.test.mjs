// Optional Turnstile per site, against `wrangler dev` + a local D1: an owner turns it on in the
// site settings (Chromium), and the Worker then checks every widget ticket's token with
// siteverify — here a local double on 127.0.0.1 that speaks siteverify's wire format
// (form-encoded POST; `{ success, error-codes, … }`), with its single-use tokens and its
// `idempotency_key`. The Worker reaches it through `TURNSTILE_VERIFY_URL`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { launchBrowser } from './support/browser.mjs';
import { SECRET, siteverify } from './support/siteverify.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');
const SITE_KEY = '0x4AAAAAAAe2eSiteKey';

let verifier;
let worker;
let browser;
let owner;

before(async () => {
  verifier = siteverify();
  await new Promise((resolve) => verifier.server.listen(0, '127.0.0.1', resolve));
  const { port } = verifier.server.address();
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop' }],
    vars: { TURNSTILE_VERIFY_URL: `http://127.0.0.1:${port}/turnstile/v0/siteverify` },
  });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  verifier?.server.close();
});

function create(body, key = randomUUID()) {
  return fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ subject: 'Locked out', description: 'Since this morning.', ...body }),
  });
}

async function count() {
  const [row] = await worker.sql('SELECT count(*) AS n FROM tickets');
  return row.n;
}

test('an owner turns Turnstile on, and widget tickets then need a token siteverify accepts', async () => {
  // Before: no human check, and no siteverify call.
  assert.equal((await create({})).status, 201);
  assert.equal(verifier.calls.length, 0);

  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/site`);
  await page.getByLabel('Site key').fill(SITE_KEY);
  await page.getByLabel('Secret key').fill(SECRET);
  await page.getByRole('button', { name: 'Turn the human check on' }).click();
  await page.waitForURL(/done=saved/);
  const section = page.locator('form[action="/app/settings/turnstile"]');
  await section.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUTPUT, 'turnstile-settings.png'), fullPage: true });
  assert.match(await section.innerText(), new RegExp(`On, with site key ${SITE_KEY}`));
  assert.equal((await page.content()).includes(SECRET), false, 'the secret key is never rendered');
  await page.close();

  const config = await (await fetch(`${worker.baseUrl}/api/v1/sites/shop/config`)).json();
  assert.equal(config.turnstile_site_key, SITE_KEY);

  const before = await count();
  let r = await create({});
  assert.equal(r.status, 422);
  assert.equal((await r.json()).error.code, 'turnstile_required');

  const key = randomUUID();
  r = await create({ turnstile_token: 'pass-1' }, key);
  assert.equal(r.status, 201, await r.clone().text());
  const first = await r.json();
  const call = verifier.calls.at(-1);
  assert.equal(call.contentType, 'application/x-www-form-urlencoded');
  assert.equal(call.form.secret, SECRET);
  assert.equal(call.form.idempotency_key, key);

  // The answer was lost; the widget retries the same draft: siteverify repeats its verdict for
  // the same idempotency key, and the create is a replay, not a second ticket.
  r = await create({ turnstile_token: 'pass-1' }, key);
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal((await r.json()).ticket.code, first.ticket.code);

  // The same token on another draft is spent.
  r = await create({ turnstile_token: 'pass-1' });
  assert.equal(r.status, 422);
  assert.equal((await r.json()).error.code, 'turnstile_failed');
  r = await create({ turnstile_token: 'forged' });
  assert.equal((await r.json()).error.code, 'turnstile_failed');
  assert.equal(await count(), before + 1, 'only the verified ticket was written');
});
