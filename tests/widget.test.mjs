// The widget end to end: the demo host page (its own origin) embeds the widget from a real
// `wrangler dev` with its own local D1; Debian's Chromium drives it through playwright-core.
// A screenshot of each state is written under tests/output/widget/.
//
//   node --test tests/widget.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';

import { ROOT, insertSite, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget');

let host;
let worker;
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  worker = await startWorker({
    sites: [
      { key: 'demo', allowed_origins: [host.origin] },
      { key: 'acme', contact_required: 1, code_prefix: 'ACME', allowed_origins: [host.origin] },
    ],
  });
  host.setWorker(worker);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
});

/**
 * A fresh visitor (own localStorage) on a demo page; page errors fail the test. Waits for the
 * launcher (drawn by the loader) and, unless `ready` is false, for the Wasm to have mounted.
 */
async function visit({ site = 'demo', page: file = '', contextOptions = {}, beforeGoto, ready = true } = {}) {
  // Reduced motion: screenshots and axe's contrast checks never catch the panel mid-animation.
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce', ...contextOptions,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (beforeGoto) await beforeGoto(page);
  await page.goto(`${host.origin}/demo/${file}?site=${site}`);
  await launcher(page).waitFor({ state: 'visible' });
  if (ready) await widgetReady(page);
  return { context, page, errors };
}

/** The Wasm has taken over the loader's launcher (`data-ready` on the host). */
const widgetReady = (page) => page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });

const launcher = (page) => page.locator('ticketbooth-widget button.l');
const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

/** The element focused inside the widget's shadow root (its id, class or tag). */
const focused = (page) =>
  page.evaluate(() => {
    const a = document.querySelector('ticketbooth-widget').shadowRoot.activeElement;
    return a ? a.id || a.className || a.tagName : null;
  });

async function openForm(page) {
  await launcher(page).click();
  await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
}

async function fillTicket(page, subject, description = 'Steps: print anything.') {
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('What happened?').fill(description);
}

async function axeClean(page, label) {
  const results = await new AxeBuilder({ page }).include('ticketbooth-widget').analyze();
  assert.deepEqual(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe violations on ${label}`,
  );
}

const ticketsWithSubject = async (subject) =>
  (await worker.sql(`SELECT code FROM tickets WHERE subject = '${subject.replaceAll("'", "''")}'`)).length;

describe('widget', () => {
  test('mounts from one script tag, opens as a dialog, and keeps focus inside', async () => {
    const { context, page, errors } = await visit();
    await shot(page, '01-launcher');
    assert.equal(await page.locator('ticketbooth-widget').count(), 1);
    const box = await launcher(page).boundingBox();
    assert.ok(box.x > 1280 - 100 && box.y > 800 - 100, `launcher in the corner: ${JSON.stringify(box)}`);

    await launcher(page).click();
    await assert.doesNotReject(panel(page).waitFor({ state: 'visible' }));
    assert.equal(await launcher(page).getAttribute('aria-expanded'), 'true');
    assert.equal(await focused(page), 'in', 'the panel opens on the conversation: focus in its composer');
    await shot(page, '02-panel-home');
    await axeClean(page, 'the open panel');

    // Tab and Shift+Tab wrap around inside the panel.
    for (let i = 0; i < 6; i += 1) await page.keyboard.press('Tab');
    assert.ok(await panel(page).evaluate((p) => p.contains(p.getRootNode().activeElement)));
    for (let i = 0; i < 6; i += 1) await page.keyboard.press('Shift+Tab');
    assert.ok(await panel(page).evaluate((p) => p.contains(p.getRootNode().activeElement)));

    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'hidden' });
    assert.equal(await focused(page), 'l', 'focus returns to the launcher');

    // The host page's API opens it too.
    await page.evaluate(() => window.Ticketbooth.open());
    await panel(page).waitFor({ state: 'visible' });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the loader draws the launcher; a click before the Wasm arrives opens the panel once it does', async () => {
    // The .wasm is held back until the test lets it go: the race is deterministic.
    let release;
    const held = new Promise((r) => { release = r; });
    let wasmRequests = 0;
    const { context, page, errors } = await visit({
      ready: false,
      beforeGoto: (p) => p.route('**/ticketbooth_widget_bg.wasm', async (route) => {
        wasmRequests += 1;
        await held;
        await route.continue();
      }),
    });
    const button = launcher(page);
    assert.equal(await button.getAttribute('aria-label'), 'Open support');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.equal(await button.getAttribute('aria-busy'), 'true', 'busy until the Wasm mounts');
    assert.equal(await page.locator('ticketbooth-widget[data-ready]').count(), 0);
    const clip = await button.boundingBox();
    const before = await page.screenshot({ clip, path: join(OUT, '00-launcher-before-wasm.png') });
    await button.click();
    await page.waitForTimeout(200);
    assert.equal(await page.locator('ticketbooth-widget').evaluate((h) => h.shadowRoot.querySelector('#tb-panel')), null,
      'no panel before the Wasm');
    assert.equal(wasmRequests, 1, 'the .wasm was requested after first paint');

    release();
    await widgetReady(page);
    await panel(page).waitFor({ state: 'visible' });
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    assert.equal(await button.getAttribute('aria-busy'), null);
    assert.equal(await button.getAttribute('aria-label'), 'Close support');
    // Opened exactly once: still open a moment later (a second toggle would have closed it),
    // and one click now closes it.
    await page.waitForTimeout(300);
    assert.equal(await panel(page).isVisible(), true);
    await button.click();
    await panel(page).waitFor({ state: 'hidden' });
    assert.equal(await page.locator('ticketbooth-widget').count(), 1);

    // The loader's launcher looks exactly like the mounted widget's (no hover, no focus).
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.activeElement.blur());
    await page.waitForTimeout(100);
    const after = await page.screenshot({ clip, path: join(OUT, '00-launcher-after-wasm.png') });
    assert.ok(before.equals(after), 'the launcher is pixel-identical before and after the Wasm mounts');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('no contact prompt where the site does not require one; submit shows the code', async () => {
    const { context, page, errors } = await visit({ site: 'demo' });
    await openForm(page);
    assert.equal(await page.getByLabel('Your name').isVisible(), false);
    assert.equal(await focused(page), 'tb-subject');

    // The widget's own validation (shared's rules) before anything is sent.
    await page.getByRole('button', { name: 'Send ticket' }).click();
    assert.equal(await page.getByLabel('Subject').getAttribute('aria-invalid'), 'true');
    assert.equal(await panel(page).getByRole('status').textContent(), 'Please check the highlighted fields.');
    await shot(page, '03-form-local-errors');

    await page.getByLabel('Subject').fill('Printer on fire');
    assert.equal(await page.getByLabel('Subject').getAttribute('aria-invalid'), 'false');
    assert.equal(await page.getByLabel('What happened?').getAttribute('aria-invalid'), 'false');
    // No field is highlighted any more: the summary line goes too (the live region stays).
    const status = panel(page).getByRole('status');
    assert.equal(await status.textContent(), '');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    await fillTicket(page, 'Printer on fire');
    await shot(page, '04-form-filled');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    const code = panel(page).locator('.code');
    await code.waitFor();
    assert.match(await code.textContent(), /^TKT-\d+$/);
    await shot(page, '05-confirmation');
    await axeClean(page, 'the confirmation');
    assert.equal(await ticketsWithSubject('Printer on fire'), 1);
    // The host page heard ticketbooth:ticket-created with the code.
    assert.match(await page.locator('#created').textContent(), /TKT-\d+/);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('contact prompt where required; ticket in D1; reload shows it in My tickets', async () => {
    const { context, page, errors } = await visit({ site: 'acme' });
    await openForm(page);
    await page.getByLabel('Your name').waitFor();
    assert.equal(await focused(page), 'tb-name');
    await shot(page, '06-contact-prompt');
    await axeClean(page, 'the contact prompt');

    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@localhost');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.match(await panel(page).locator('#tb-email-e').textContent(), /valid email/);
    await shot(page, '07-contact-invalid-email');

    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await fillTicket(page, 'Invoice shows the wrong VAT');
    await axeClean(page, 'the ticket form');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code').waitFor();
    assert.equal(await panel(page).locator('.code').textContent(), 'ACME-1');

    const rows = await worker.sql(
      "SELECT t.code, t.requester_email FROM tickets t JOIN sites s ON s.id = t.site_id WHERE s.key = 'acme'",
    );
    assert.deepEqual(rows.map((r) => r.code), ['ACME-1']);
    assert.equal(rows[0].requester_email, 'ada@example.com');

    await page.reload();
    // The server may renew the visitor token on a list reply (header exposed through CORS):
    // the widget must store the renewed one in place of the old.
    const tokenKey = 'ticketbooth:acme:token';
    const oldToken = await page.evaluate((k) => localStorage.getItem(k), tokenKey);
    assert.ok(oldToken, 'the create reply stored a visitor token');
    const renewed = `${oldToken}.renewed`;
    // The widget reads the list at mount (unread replies) and again for My tickets: a request
    // carrying the renewed token is passed on with the old one, as a server that had really
    // renewed it would accept it.
    await page.route('**/api/v1/sites/acme/tickets', async (route) => {
      const headers = { ...route.request().headers() };
      if (headers.authorization === `Bearer ${renewed}`) headers.authorization = `Bearer ${oldToken}`;
      const response = await route.fetch({ headers });
      await route.fulfill({
        response,
        headers: {
          ...response.headers(),
          'ticketbooth-visitor-token': renewed,
          'access-control-expose-headers': 'ticketbooth-visitor-token',
        },
      });
    });
    await launcher(page).click();
    await panel(page).getByRole('button', { name: /My tickets/ }).click();
    const row = panel(page).locator('li', { hasText: 'ACME-1' });
    await row.waitFor();
    assert.match(await row.textContent(), /Invoice shows the wrong VAT/);
    assert.match(await row.textContent(), /Received/);
    await page.waitForFunction(([k, v]) => localStorage.getItem(k) === v, [tokenKey, renewed]);
    await page.unroute('**/api/v1/sites/acme/tickets');
    await shot(page, '08-my-tickets');
    await axeClean(page, 'My tickets');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a visitor quicker than the config reply still gets the contact prompt, focused', async () => {
    // The config reply held back until the visitor has opened the form (a slow network).
    let release;
    const held = new Promise((r) => { release = r; });
    const { context, page, errors } = await visit({
      site: 'acme',
      beforeGoto: (p) => p.route('**/api/v1/sites/acme/config', async (route) => {
        await held;
        await route.continue();
      }),
    });
    await openForm(page);
    await page.getByLabel('Subject').waitFor();
    release();
    await page.getByLabel('Your name').waitFor();
    assert.equal(await focused(page), 'tb-name');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('server-side validation errors are shown next to their fields and announced', async () => {
    // The config request fails, so the widget does not know acme wants a contact: only the
    // server's 422 can tell it.
    const { context, page } = await visit({
      site: 'acme',
      beforeGoto: (p) => p.route('**/api/v1/sites/acme/config', (r) => r.abort()),
    });
    await openForm(page);
    await fillTicket(page, 'Sent without a contact');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.getByLabel('Your name').waitFor();
    assert.equal(await page.getByLabel('Your name').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.equal(await panel(page).locator('#tb-name-e').textContent(), 'This field is required.');
    assert.equal(await focused(page), 'tb-name', 'focus on the first refused field');
    const status = panel(page).getByRole('status');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    assert.equal(await status.textContent(), 'Please check the highlighted fields.');
    assert.equal(await ticketsWithSubject('Sent without a contact'), 0);
    await shot(page, '09-server-field-errors');
    await context.close();
  });

  test('offline: the draft is kept, and sent exactly once when the network returns', async () => {
    const { context, page, errors } = await visit({ site: 'demo' });
    await openForm(page);
    await fillTicket(page, 'Written on a train');
    await context.setOffline(true);
    await page.getByRole('button', { name: 'Send ticket' }).click();
    const status = panel(page).getByRole('status');
    await assert.doesNotReject(
      page.waitForFunction(() => /offline/.test(
        document.querySelector('ticketbooth-widget').shadowRoot.querySelector('[role=status]').textContent)),
    );
    await shot(page, '10-offline-queued');
    assert.match(await status.textContent(), /saved and will be sent/);
    const draft = JSON.parse(await page.evaluate(() => localStorage.getItem('ticketbooth:demo:draft')));
    assert.equal(draft.subject, 'Written on a train');
    assert.equal(draft.queued, true);
    assert.match(draft.key, /^[0-9a-f-]{32,36}$/);
    assert.equal(await ticketsWithSubject('Written on a train'), 0);

    await context.setOffline(false);
    await panel(page).locator('.code').waitFor();
    assert.equal(await ticketsWithSubject('Written on a train'), 1);
    // Another online event (a flaky connection) sends nothing more.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.waitForTimeout(500);
    assert.equal(await ticketsWithSubject('Written on a train'), 1);
    assert.equal(await page.evaluate(() => localStorage.getItem('ticketbooth:demo:draft')), null);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a queued draft survives a reload and goes out once with its key', async () => {
    const { context, page } = await visit({ site: 'demo' });
    await openForm(page);
    await fillTicket(page, 'Queued across a reload');
    await page.route('**/api/v1/sites/demo/tickets', (r) => r.abort());
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('ticketbooth:demo:draft') || '{}').queued);
    const key = JSON.parse(await page.evaluate(() => localStorage.getItem('ticketbooth:demo:draft'))).key;
    await page.unroute('**/api/v1/sites/demo/tickets');

    const sent = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/tickets')) sent.push(r.headers()['idempotency-key']);
    });
    await page.reload();
    await launcher(page).waitFor();
    await page.waitForFunction(() => localStorage.getItem('ticketbooth:demo:draft') === null);
    assert.deepEqual(sent, [key], 'one POST, with the draft’s key');
    assert.equal(await ticketsWithSubject('Queued across a reload'), 1);
    await context.close();
  });

  test('hostile host CSS, two script tags: one widget that still works', async () => {
    const { context, page, errors } = await visit({ site: 'demo', page: 'hostile.html' });
    await page.waitForTimeout(300);
    assert.equal(await page.locator('ticketbooth-widget').count(), 1, 'the second tag mounted nothing');
    const box = await launcher(page).boundingBox();
    assert.ok(box.x > 1280 - 100 && box.y > 800 - 100, `launcher in the corner: ${JSON.stringify(box)}`);
    // The launcher is on top of the host's maximum z-index layers.
    const top = await page.evaluate(([x, y]) => document.elementFromPoint(x, y).tagName, [box.x + 28, box.y + 28]);
    assert.equal(top, 'TICKETBOOTH-WIDGET');
    await shot(page, '11-hostile-launcher');
    await openForm(page);
    await fillTicket(page, 'From a hostile page');
    await shot(page, '12-hostile-form');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code').waitFor();
    assert.equal(await ticketsWithSubject('From a hostile page'), 1);
    await axeClean(page, 'the panel on the hostile page');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the script tag options: position, accent, locale, open on load', async () => {
    const { context, page } = await visit({ page: 'options.html' });
    await panel(page).waitFor({ state: 'visible' });
    const box = await launcher(page).boundingBox();
    assert.ok(box.x < 100, `launcher bottom-left: ${JSON.stringify(box)}`);
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Fermer l’assistance');
    assert.equal(await focused(page), null, 'opening on load takes no focus from the page');
    assert.equal(
      await launcher(page).evaluate((b) => getComputedStyle(b).backgroundColor),
      'rgb(15, 118, 110)',
    );
    await shot(page, '16-options-left-teal-fr-open');
    await context.close();
  });

  test('on a right-to-left page: the corner follows the page, the English text reads left-to-right', async () => {
    const { context, page } = await visit({
      beforeGoto: (p) => p.addInitScript(() => {
        document.addEventListener('DOMContentLoaded', () => { document.documentElement.dir = 'rtl'; });
      }),
    });
    const box = await launcher(page).boundingBox();
    assert.ok(box.x < 100, `launcher in the bottom-left corner: ${JSON.stringify(box)}`);
    await launcher(page).click();
    const panelBox = await panel(page).boundingBox();
    assert.ok(panelBox.x < 100, `panel on the left: ${JSON.stringify(panelBox)}`);
    // The widget's own language decides its direction: dir="ltr" on its root, so English
    // lines start on the left and "Hi there!" keeps its "!" at the end.
    const text = await panel(page).evaluate((p) => {
      const root = p.getRootNode().querySelector('.tb');
      const h3 = p.querySelector('h3');
      const range = document.createRange();
      range.selectNodeContents(h3);
      const glyphs = range.getBoundingClientRect();
      const bang = document.createRange();
      bang.setStart(h3.firstChild, h3.textContent.length - 1);
      bang.setEnd(h3.firstChild, h3.textContent.length);
      return {
        dir: root.getAttribute('dir'),
        lang: root.getAttribute('lang'),
        direction: getComputedStyle(h3).direction,
        text: h3.textContent,
        startGap: glyphs.left - h3.getBoundingClientRect().left,
        bangIsLast: bang.getBoundingClientRect().right >= glyphs.right - 0.5,
      };
    });
    assert.deepEqual(
      [text.dir, text.lang, text.direction, text.text],
      ['ltr', 'en', 'ltr', 'Hi there!'],
    );
    assert.ok(text.startGap < 1, `the heading starts at the left edge: ${JSON.stringify(text)}`);
    assert.ok(text.bangIsLast, `"!" is the rightmost glyph: ${JSON.stringify(text)}`);
    await shot(page, '15-rtl-page-english-widget');
    await context.close();
  });

  test('a transcript the server refuses is shown as a refusal, and the next send goes without it', async () => {
    const { context, page, errors } = await visit();
    const subject = 'Transcript with a blank line';
    await page.evaluate((subject) => window.Ticketbooth.openTicket({
      subject,
      description: 'From the host chat.',
      transcript: [{ author: 'visitor', text: '   ' }],
    }), subject);
    await page.getByLabel('What happened?').waitFor();
    await page.getByRole('button', { name: 'Send ticket' }).click();
    const status = panel(page).getByRole('status');
    await status.filter({ hasText: /couldn.t accept/ }).waitFor();
    assert.doesNotMatch(await status.textContent(), /highlighted/);
    assert.equal(await panel(page).locator('[aria-invalid=true]').count(), 0);
    await shot(page, '17-refused-transcript');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code').waitFor();
    assert.equal(await ticketsWithSubject(subject), 1);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('prefill from the host chat, French, dark mode, and a full-screen panel on phones', async () => {
    const { context, page } = await visit({
      site: 'demo',
      contextOptions: {
        viewport: { width: 390, height: 844 }, colorScheme: 'dark', locale: 'fr-FR',
      },
    });
    await page.locator('#from-chat').click();
    await panel(page).waitFor({ state: 'visible' });
    assert.equal(await page.getByLabel('Objet').inputValue(), 'Deploy stuck at "uploading"');
    const box = await panel(page).boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 390, 844]);
    await shot(page, '13-phone-dark-fr-prefilled');
    await page.getByRole('button', { name: 'Envoyer le ticket' }).click();
    await panel(page).locator('.code').waitFor();
    await shot(page, '14-phone-dark-fr-confirmation');
    const rows = await worker.sql(
      `SELECT transcript FROM tickets WHERE subject = 'Deploy stuck at "uploading"'`,
    );
    assert.equal(rows.length, 1);
    assert.match(rows[0].transcript, /Let me open a ticket for our team/);
    await context.close();
  });

  test("a signed identity from the site's backend skips the contact prompt, and an expired one brings it back", async () => {
    // A site that requires contact details and has an identity secret (a new site, so no
    // isolate has it cached without the secret).
    const secret = 'a'.repeat(64);
    await worker.sql(insertSite({ key: 'signed', contact_required: 1, code_prefix: 'SIG', allowed_origins: [host.origin] }));
    await worker.sql(`UPDATE sites SET identity_secret = '${secret}' WHERE key = 'signed'`);
    const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const jwt = (exp) => {
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ site: 'signed', sub: 'user-7', name: 'Grace Hopper', email: 'grace@example.com', iat: now - 60, exp: now + exp })}`;
      return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    };

    const { context, page, errors } = await visit({ site: 'signed' });
    await page.evaluate((token) => window.Ticketbooth.identify(token), jwt(3600));
    await openForm(page);
    await page.getByLabel('Subject').waitFor();
    assert.equal(await page.getByLabel('Your name').isVisible(), false, 'no contact prompt');
    await fillTicket(page, 'Badge reader rejects my card');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code').waitFor();
    const [row] = await worker.sql("SELECT requester_name, requester_email FROM tickets WHERE subject = 'Badge reader rejects my card'");
    assert.deepEqual(row, { requester_name: 'Grace Hopper', requester_email: 'grace@example.com' });

    // An expired token is refused by the server; the visitor can still give name and email.
    await page.reload();
    await widgetReady(page);
    await page.evaluate((token) => window.Ticketbooth.identify(token), jwt(-10));
    await openForm(page);
    await fillTicket(page, 'Second badge problem');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await page.getByLabel('Your name').waitFor();
    assert.equal(await ticketsWithSubject('Second badge problem'), 0, 'nothing written');
    assert.deepEqual(errors, []);
    await context.close();
  });
});
