// External sync as an operator sees it, in a real browser against `wrangler dev` + a local D1:
// the ticket page's External Sync section for a failed push (the reason, "Retry now"), for a
// ticket not linked on a connected site ("Push to Zendesk"), and for a reference typed by
// hand; the list's `sync=` filter. The links are written straight into D1 (no push runs: the
// push itself, against a Zendesk double, is tests/sync.test.mjs's). axe on the section;
// screenshots in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');

let worker;
let browser;
let owner;
const codes = [];
const ids = [];

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  for (const subject of ['Refund my order', 'Invoice is wrong', 'Parcel is late', 'Box was damaged']) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Order 42.', requester: { name: 'Vera Visitor', email: 'vera@example.com' } }),
    });
    const text = await res.text();
    assert.equal(res.status, 201, text);
    const { ticket } = JSON.parse(text);
    codes.push(ticket.code);
    ids.push(ticket.id);
  }
  // A live connection (pushing by hand only), a push that failed, one pending, and a reference
  // typed by hand. No `next_attempt_at`: nothing is handed to the Queue.
  await worker.sql(`
    INSERT INTO sync_connections (site_id, platform, base_url, auth_kind, auth_user, push_rule,
        created_at, updated_at)
      SELECT id, 'zendesk', 'https://shop.zendesk.com', 'api_token', 'bot@shop.example', 'manual',
             0, 0 FROM sites WHERE key = 'shop';
    INSERT INTO sync_links (ticket_id, site_id, connection_id, state, error, created_at, updated_at)
      SELECT '${ids[0]}', c.site_id, c.id, 'failed', 'Zendesk refused the credentials (401)', 0, 0
      FROM sync_connections c;
    INSERT INTO sync_links (ticket_id, site_id, connection_id, state, created_at, updated_at)
      SELECT '${ids[1]}', c.site_id, c.id, 'pending', 0, 0 FROM sync_connections c;
    UPDATE tickets SET sync_platform = 'jira', sync_remote_id = 'OPS-7', synced_at = ${Date.now()}
      WHERE id = '${ids[3]}';`);
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

test('the ticket page says where its sync stands and offers the one action that fits', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);

  // A failed push: the reason, in the danger colour, and "Retry now".
  await page.goto(`${worker.baseUrl}/app/tickets/${codes[0]}`);
  const section = page.locator('#sync-section');
  await assert.doesNotReject(section.getByRole('heading', { name: 'External sync' }).waitFor());
  assert.equal(
    (await page.locator('#sync-state').textContent()).trim(),
    'Failed: Zendesk refused the credentials (401)',
  );
  assert.equal((await page.locator('#sync-push').textContent()).trim(), 'Retry now');
  assert.equal(
    await page.locator('#sync-push').evaluate((b) => b.form.getAttribute('action')),
    `/app/tickets/${codes[0]}/push`,
  );
  const axe = await new AxeBuilder({ page }).include('#sync-section').analyze();
  assert.deepEqual(axe.violations.map((v) => v.id), [], 'axe on the section');
  await section.screenshot({ path: join(OUTPUT, 'sync-section-failed.png') });
  await page.screenshot({ path: join(OUTPUT, 'sync-ticket-failed.png'), fullPage: true });

  // Pending: the state, no action.
  await page.goto(`${worker.baseUrl}/app/tickets/${codes[1]}`);
  assert.equal((await page.locator('#sync-state').textContent()).trim(), 'Pending');
  assert.equal(await page.locator('#sync-push').count(), 0);

  // Not linked, the site connected: "Push to Zendesk".
  await page.goto(`${worker.baseUrl}/app/tickets/${codes[2]}`);
  assert.equal((await page.locator('#sync-state').textContent()).trim(), 'Not connected to external system.');
  assert.equal((await page.locator('#sync-push').textContent()).trim(), 'Push to Zendesk');
  await section.screenshot({ path: join(OUTPUT, 'sync-section-push.png') });

  // Typed by hand: shown as typed.
  await page.goto(`${worker.baseUrl}/app/tickets/${codes[3]}`);
  assert.match(await section.textContent(), /jira · OPS-7 · last synced/);
  await page.close();
});

test('the list filters by sync state', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  const listed = async (filter) => {
    await page.goto(`${worker.baseUrl}/app/tickets?sync=${filter}`);
    return (await page.locator('td.code a').allTextContents()).sort();
  };
  assert.deepEqual(await listed('failed'), [codes[0]]);
  await page.screenshot({ path: join(OUTPUT, 'sync-list-failed.png'), fullPage: true });
  assert.deepEqual(await listed('pending'), [codes[1]]);
  assert.deepEqual(await listed('synced'), [codes[3]]);
  assert.deepEqual(await listed('none'), [codes[2]]);
  assert.equal(await page.locator('#f-sync').inputValue(), 'none');
  await page.close();
});
