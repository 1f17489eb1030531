// The chat for every visitor, end to end: French on a right-to-left host page (the chat's strings
// are French, the panel sits in the page's start corner, the widget's own text reads in French's
// direction), `prefers-reduced-motion` (no chat animation or transition runs), and a 390 px phone
// (the open panel takes the screen; the focused composer stays visible, also when the on-screen
// keyboard shrinks the viewport). Screenshots under tests/output/widget-chat-locale/.
//
//   node --test tests/widget_chat_locale.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget-chat-locale');

let host;
let worker;
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  host = await startHostSite();
  worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [host.origin] }] });
  host.setWorker(worker);
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

/** The demo page, the Wasm mounted; page errors collected. `beforeGoto(page)` runs first. */
async function visit({ viewport = { width: 1280, height: 800 }, reducedMotion = 'reduce', beforeGoto } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (beforeGoto) await beforeGoto(page);
  await page.goto(`${host.origin}/demo/?site=demo`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  return { context, page, errors };
}

test('French on a right-to-left page: French strings, the panel in the page\'s start corner, French text left-to-right', async () => {
  // The page made right-to-left, and `data-locale="fr"` on the widget's script tag, as the
  // parser inserts them (before the async script runs). Rewriting the page's response instead
  // would make it a "public" page that Chromium forbids to load the loopback Worker's script.
  const { context, page, errors } = await visit({
    beforeGoto: (p) => p.addInitScript(() => {
      new MutationObserver((records, observer) => {
        document.documentElement.dir = 'rtl';
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (n.tagName === 'SCRIPT' && n.dataset.site) {
              n.dataset.locale = 'fr';
              observer.disconnect();
            }
          }
        }
      }).observe(document, { childList: true, subtree: true });
    }),
  });
  assert.equal(await page.evaluate(() => document.documentElement.dir), 'rtl');
  const box = await launcher(page).boundingBox();
  assert.ok(box.x < 100, `launcher in the bottom-left corner (the start of an rtl page): ${JSON.stringify(box)}`);
  assert.equal(await launcher(page).getAttribute('aria-label'), 'Ouvrir l’assistance');
  await launcher(page).click();
  const dialog = page.getByRole('dialog', { name: 'Assistance' });
  await dialog.waitFor();
  const panelBox = await dialog.boundingBox();
  assert.ok(panelBox.x < 100, `panel on the left: ${JSON.stringify(panelBox)}`);
  assert.equal(await launcher(page).getAttribute('aria-label'), 'Fermer l’assistance');

  // The chat speaks French: its log, its composer and its send button, and a sent message's time.
  const composer = dialog.getByRole('textbox', { name: 'Message' });
  await dialog.getByRole('log', { name: 'Conversation' }).waitFor({ state: 'attached' });
  await dialog.getByRole('button', { name: 'Envoyer le message' }).waitFor();
  await dialog.getByText('Posez-nous vos questions ici').waitFor();
  await dialog.getByRole('button', { name: /Mes tickets/ }).waitFor();
  await composer.fill('Bonjour, ma facture est introuvable.');
  await composer.press('Enter');
  const mine = dialog.locator('li', { has: page.locator('.bx', { hasText: 'Bonjour, ma facture' }) });
  await mine.locator('.tm', { hasText: /^Envoyé ·/ }).waitFor();
  assert.equal(await mine.locator('.au').textContent(), 'Vous');

  // The widget's own language decides its direction (French: left-to-right), whatever the page's:
  // the visitor's message sits at the end (right), its text starts on the left.
  const layout = await dialog.evaluate((p) => {
    const root = p.getRootNode().querySelector('.tb');
    const item = p.querySelector('ol.ms li.me');
    const list = p.querySelector('ol.ms');
    return {
      dir: root.getAttribute('dir'),
      lang: root.getAttribute('lang'),
      direction: getComputedStyle(p.querySelector('.bx')).direction,
      mineAtEnd: list.getBoundingClientRect().right - item.getBoundingClientRect().right < 2,
    };
  });
  assert.deepEqual(layout, { dir: 'ltr', lang: 'fr', direction: 'ltr', mineAtEnd: true });
  await shot(page, '01-fr-on-rtl-page-chat');
  assert.deepEqual(errors, []);
  await context.close();
});

test('prefers-reduced-motion: every animation and transition of the widget\'s stylesheet waits for no-preference', async () => {
  // Statically: outside `@media (prefers-reduced-motion: no-preference)`, nothing moves.
  const css = readFileSync(join(ROOT, 'widget', 'src', 'style.css'), 'utf8');
  const loader = readFileSync(join(ROOT, 'www', 'widget.js'), 'utf8');
  for (const [name, text] of [['widget/src/style.css', css], ['www/widget.js', loader]]) {
    const outside = text.replace(/@media\s*\(prefers-reduced-motion:\s*no-preference\)\s*\{([^{}]*\{[^{}]*\})*\s*\}/g, '');
    assert.doesNotMatch(outside, /(transition|animation)\s*:/, `${name}: motion outside the no-preference query`);
  }
  // In the browser: with reduced motion asked for, the panel and the cards do not move.
  const { context, page, errors } = await visit({ reducedMotion: 'reduce' });
  await launcher(page).click();
  const motion = await panel(page).evaluate((p) => {
    const card = p.querySelector('.card');
    return {
      panel: getComputedStyle(p).animationName,
      card: getComputedStyle(card).transitionDuration,
      launcher: getComputedStyle(p.getRootNode().querySelector('button.l')).transitionDuration,
    };
  });
  assert.deepEqual(motion, { panel: 'none', card: '0s', launcher: '0s' });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a 390 px phone: the open panel takes the screen and the focused composer stays visible', async () => {
  const { context, page, errors } = await visit({
    viewport: { width: 390, height: 700 },
  });
  await launcher(page).click();
  const composer = panel(page).getByRole('textbox', { name: 'Message' });
  await composer.focus();
  const box = await panel(page).boundingBox();
  assert.deepEqual(
    [box.x, box.y, box.width, box.height].map(Math.round),
    [0, 0, 390, 700],
    'the panel takes the screen',
  );
  const visible = async (height) => {
    const c = await composer.boundingBox();
    assert.ok(c.y >= 0 && c.y + c.height <= height, `composer in view (viewport height ${height}): ${JSON.stringify(c)}`);
    const send = await panel(page).getByRole('button', { name: 'Send message' }).boundingBox();
    assert.ok(send.y + send.height <= height, `send button in view: ${JSON.stringify(send)}`);
  };
  await visible(700);
  await shot(page, '02-phone-390-composer-focused');
  // The on-screen keyboard takes the lower part (a browser that resizes the layout viewport):
  // the panel follows (100dvh), the composer stays above it.
  await page.setViewportSize({ width: 390, height: 380 });
  await page.waitForTimeout(200);
  await visible(380);
  assert.equal(await panel(page).evaluate((p) => p.getRootNode().activeElement?.className), 'in', 'focus stayed');
  await shot(page, '03-phone-390-keyboard-up');
  assert.deepEqual(errors, []);
  await context.close();
});
