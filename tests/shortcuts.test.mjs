// Keyboard shortcuts in the dashboard (www/shortcuts.js), in headless Chromium against
// `wrangler dev` + a local D1: an owner walks the list with j / k, ticks a row with x, opens it
// with Enter, jumps to the comment box with c (and typing "c" there types), assigns with m,
// goes back with u, follows g i / g t, opens the `?` list (axe: 0 violations with it open);
// and every control still works without JavaScript, where the shortcuts' button stays hidden.

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

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  for (const subject of ['Charged twice', 'Cannot log in', 'Where is my parcel']) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Please help.' }),
    });
    assert.equal(res.status, 201, await res.text());
  }
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

const current = (page) => page.locator('tr.kbd-current td.code a').innerText();

test('an operator works the list and a ticket from the keyboard', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  await page.waitForLoadState('load');
  const codes = await page.locator('tr[data-row] td.code a').allInnerTexts();
  assert.equal(codes.length, 3);

  await page.keyboard.press('j');
  assert.equal(await current(page), codes[0]);
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('j'); // stops at the last row
  assert.equal(await current(page), codes[2]);
  await page.keyboard.press('k');
  assert.equal(await current(page), codes[1]);

  // x ticks the current row's bulk checkbox, and again unticks it.
  const box = page.locator('tr.kbd-current input[type=checkbox]');
  await page.keyboard.press('x');
  assert.equal(await box.isChecked(), true);
  await page.keyboard.press('x');
  assert.equal(await box.isChecked(), false);

  // / goes to the search box; what is typed there is text, not a shortcut.
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'q');
  await page.keyboard.type('jx');
  assert.equal(await page.locator('#q').inputValue(), 'jx');
  assert.equal(await current(page), codes[1], 'typing moved nothing');
  await page.locator('#q').fill('');

  // Enter opens the row the keyboard is on.
  await page.locator('tr.kbd-current td.code a').focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(new RegExp(`/app/tickets/${codes[1]}$`));
  await page.waitForLoadState('load');

  await page.keyboard.press('c');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'comment-body');
  await page.keyboard.type('c is for comment');
  assert.equal(await page.locator('#comment-body').inputValue(), 'c is for comment');
  await page.locator('#comment-body').blur();

  // m assigns the ticket to me (the same form as the button).
  await page.keyboard.press('m');
  await page.waitForLoadState('load');
  await page.locator('#assignee').waitFor();
  const [row] = await worker.sql(`SELECT o.email FROM tickets t JOIN operators o ON o.id = t.assignee_id WHERE t.code = '${codes[1]}'`);
  assert.equal(row?.email, owner.email);

  await page.keyboard.press('s');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'status-to');
  await page.locator('#status-to').blur();

  // ? opens the list of shortcuts; Escape closes it.
  await page.keyboard.press('?');
  const help = page.locator('dialog#shortcuts');
  assert.equal(await help.isVisible(), true);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'shortcuts-help.png') });
  await page.keyboard.press('Escape');
  assert.equal(await help.isVisible(), false);

  await page.keyboard.press('u');
  await page.waitForURL(/\/app\/tickets$/);
  await page.waitForLoadState('load');
  await page.keyboard.press('g');
  await page.keyboard.press('i');
  await page.waitForURL(/\/app\/conversations/);
  await page.waitForLoadState('load');
  await page.keyboard.press('g');
  await page.keyboard.press('t');
  await page.waitForURL(/\/app\/tickets$/);
  await page.close();
});

test('without JavaScript the shortcuts button stays hidden and the page works', async () => {
  const context = await launchBrowser({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/tickets`);
  assert.equal(await page.locator('[data-shortcuts-open]').isVisible(), false);
  assert.equal(await page.locator('dialog#shortcuts').isVisible(), false);
  await page.locator('tr[data-row] td.code a').first().click();
  await page.locator('article.ticket').waitFor();
  await context.close();
});
