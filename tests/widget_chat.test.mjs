// The chat in the widget, end to end: the demo host page (its own origin) embeds the widget from
// a real `wrangler dev` with its own local D1, and an operator works the conversation from the
// dashboard in a second browser context. Screenshots under tests/output/widget-chat/.
//
//   node --test tests/widget_chat.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';

import { ROOT, insertSite, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget-chat');

let host;
let worker;
let browser;
let agent;

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
  agent = await addOperator(worker, { site: 'demo', role: 'member', email: 'ada@demo.example', name: 'Ada Agent' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
});

/** A visitor's page on the demo host (page errors collected), the Wasm mounted. */
async function visit({ site = 'demo', context, viewport = { width: 1280, height: 800 }, beforeGoto } = {}) {
  const ctx = context ?? await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (beforeGoto) await beforeGoto(page);
  await page.goto(`${host.origin}/demo/?site=${site}`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  return { context: ctx, page, errors };
}

const launcher = (page) => page.locator('ticketbooth-widget button.l');
const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const composer = (page) => panel(page).getByRole('textbox', { name: 'Message' });
const log = (page) => panel(page).getByRole('log', { name: 'Conversation' });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

async function say(page, text) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** The texts the widget's message list shows, in order. */
const shownTexts = (page) => log(page).locator('li .bx').allTextContents();

/** Waits until the widget shows `text` as a stored message (time shown, not "Sending…"). */
async function shownAsSent(page, text) {
  const item = log(page).locator('li', { has: page.locator('.bx', { hasText: text }) });
  await item.locator('.tm', { hasText: /Sent ·/ }).waitFor();
  return item;
}

const chatOf = async (page, site = 'demo') =>
  JSON.parse(await page.evaluate((k) => localStorage.getItem(k), `ticketbooth:${site}:chat`) ?? '{}');

async function axeClean(page, label) {
  const results = await new AxeBuilder({ page }).include('ticketbooth-widget').analyze();
  assert.deepEqual(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe violations on ${label}`,
  );
}

/** An operator's session (cookie and CSRF token) to reply from the inbox over HTTP. */
async function operatorSession() {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await ctx.newPage();
  await signIn(page, worker, agent);
  const csrf = await page.locator('input[name="csrf"]').first().getAttribute('value');
  const cookie = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const reply = async (conversation, text) => {
    const res = await fetch(`${worker.baseUrl}/app/inbox/${conversation}/reply`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        origin: worker.baseUrl,
        cookie,
      },
      body: new URLSearchParams({ csrf, text }),
    });
    assert.equal(res.status, 303, await res.text());
  };
  return { ctx, page, reply };
}

/** Records, in the page, when each new list item appears (Date.now(), comparable across pages). */
async function watch(page, rootSelector) {
  await page.evaluate((selector) => {
    const find = () => {
      const shadow = document.querySelector('ticketbooth-widget')?.shadowRoot;
      return (shadow && shadow.querySelector(selector)) || document.querySelector(selector);
    };
    window.__seen = [];
    const root = find();
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          if (n.nodeName === 'LI') window.__seen.push({ at: Date.now(), text: n.textContent });
        }
      }
    }).observe(root, { childList: true });
  }, rootSelector);
}

async function seenAt(page, text, timeout = 10_000) {
  const handle = await page.waitForFunction(
    (t) => window.__seen.find((s) => s.text.includes(t))?.at,
    text,
    { timeout, polling: 'raf' },
  );
  return handle.jsonValue();
}

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

describe('the chat in the widget', () => {
  test('the panel opens on the conversation; visitor and operator see each other live; a reload resumes it', async () => {
    const { context, page, errors } = await visit();
    await launcher(page).click();
    await composer(page).waitFor();
    assert.equal(
      await page.evaluate(() => document.querySelector('ticketbooth-widget').shadowRoot.activeElement?.className),
      'in',
      'focus on the composer',
    );
    assert.equal(await log(page).locator('li').count(), 0);
    assert.equal((await chatOf(page)).id, undefined, 'opening starts no conversation');
    await shot(page, '01-chat-empty');
    await axeClean(page, 'the empty chat');

    // Shift+Enter adds a line; Enter sends.
    await composer(page).fill('Hello, is anyone there?');
    await composer(page).press('Shift+Enter');
    await composer(page).pressSequentially('Order 42.');
    await composer(page).press('Enter');
    await shownAsSent(page, 'Order 42.');
    assert.equal(await composer(page).inputValue(), '');
    const { id } = await chatOf(page);
    assert.ok(id, 'the first message started the conversation');
    const stored = await worker.sql(
      `SELECT body FROM conversation_messages WHERE conversation_id = ${sqlLiteral(id)}`);
    assert.deepEqual(stored.map((r) => r.body), ['Hello, is anyone there?\nOrder 42.']);

    // The operator's conversation page, live.
    const operator = await operatorSession();
    await operator.page.goto(`${worker.baseUrl}/app/conversations/${id}`);
    await operator.page.locator('.message .text', { hasText: 'Order 42.' }).waitFor();
    await watch(page, 'ol.ms');
    await watch(operator.page, 'ol.messages');

    const rounds = 20;
    const toVisitor = [];
    const toOperator = [];
    for (let i = 1; i <= rounds; i += 1) {
      const text = `Operator reply ${i}.`;
      const sentAt = Date.now();
      await operator.reply(id, text);
      toVisitor.push((await seenAt(page, text)) - sentAt);
    }
    for (let i = 1; i <= rounds; i += 1) {
      const text = `Visitor message ${i}.`;
      await composer(page).fill(text);
      const sentAt = Date.now();
      await composer(page).press('Enter');
      toOperator.push((await seenAt(operator.page, text)) - sentAt);
    }
    console.log(`operator → visitor's widget (reply POST, D1, live room, rendered): p50 ${pct(toVisitor, 0.5)} ms, p95 ${pct(toVisitor, 0.95)} ms over ${rounds}`);
    console.log(`visitor's widget → operator's page (Enter, POST, D1, live room, rendered): p50 ${pct(toOperator, 0.5)} ms, p95 ${pct(toOperator, 0.95)} ms over ${rounds}`);

    await shownAsSent(page, `Visitor message ${rounds}.`);
    const texts = await shownTexts(page);
    assert.equal(texts.length, 1 + 2 * rounds, 'every message once');
    assert.equal(new Set(texts).size, texts.length, 'none shown twice');
    // Who wrote what, by more than colour: the operator's name on the first of a group.
    const firstReply = log(page).locator('li.op').first();
    assert.equal(await firstReply.locator('.au').textContent(), 'Ada Agent');
    assert.equal(await log(page).locator('li.op.grp').count(), rounds - 1, 'consecutive replies grouped');
    await shot(page, '02-chat-live');
    await axeClean(page, 'the chat');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '03-chat-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // A reload resumes the conversation with its history.
    await page.reload();
    await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
    await launcher(page).click();
    await shownAsSent(page, `Visitor message ${rounds}.`);
    await log(page).locator('li', { hasText: `Operator reply ${rounds}.` }).waitFor();
    assert.deepEqual(await shownTexts(page), texts);
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('with the socket blocked, polling takes over without a word and nothing is lost', async () => {
    let sockets = 0;
    const { context, page, errors } = await visit({
      beforeGoto: (p) => p.routeWebSocket(/\/live/, (ws) => {
        sockets += 1;
        ws.close();
      }),
    });
    await launcher(page).click();
    await say(page, 'Anyone behind this proxy?');
    await shownAsSent(page, 'Anyone behind this proxy?');
    const { id } = await chatOf(page);
    const operator = await operatorSession();
    // Each reply within two polling periods (3 s each), though no socket ever opens: the
    // reconnects' own catch-up reads come far less often (after 2, 4, 8, then 10 periods).
    for (const text of ['Yes, here.', 'Still here.', 'Polling works.']) {
      await operator.reply(id, text);
      await log(page).locator('li', { hasText: text }).waitFor({ timeout: 6_000 });
    }
    assert.ok(sockets >= 1, 'the widget did try its socket');
    assert.deepEqual(await shownTexts(page), ['Anyone behind this proxy?', 'Yes, here.', 'Still here.', 'Polling works.']);
    assert.equal(await panel(page).getByRole('alert').textContent(), '', 'nothing said to the visitor');
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('messages typed while the API is unreachable survive a reload and are stored once, in order, with two tabs', async () => {
    const block = (p) => p.route(/\/api\/v1\/sites\/demo\/conversations/, (route) => route.abort());
    const { context, page, errors } = await visit({ beforeGoto: block });
    await launcher(page).click();
    for (const text of ['One.', 'Two.', 'Three.']) await say(page, text);
    await log(page).locator('li .rt').first().waitFor();
    assert.equal(await log(page).locator('li.me').count(), 3);
    await shot(page, '04-chat-not-sent');

    await page.reload();
    await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
    await launcher(page).click();
    assert.deepEqual(await shownTexts(page), ['One.', 'Two.', 'Three.'], 'kept across the reload');
    // A second tab of the same visitor holds the same unsent messages.
    const second = await visit({ context, beforeGoto: block });
    await page.unroute(/\/api\/v1\/sites\/demo\/conversations/);
    await second.page.unroute(/\/api\/v1\/sites\/demo\/conversations/);
    await shownAsSent(page, 'Three.');
    const { id } = await chatOf(page);
    // Both tabs retried; the keys made every retry a replay.
    await page.waitForTimeout(4_000);
    const rows = await worker.sql(
      `SELECT body FROM conversation_messages WHERE conversation_id = ${sqlLiteral(id)} ORDER BY seq`);
    assert.deepEqual(rows.map((r) => r.body), ['One.', 'Two.', 'Three.']);
    // In no other conversation either: the second tab joined the first one's.
    const anywhere = await worker.sql(
      "SELECT body FROM conversation_messages WHERE body IN ('One.', 'Two.', 'Three.')");
    assert.equal(anywhere.length, 3, JSON.stringify(anywhere));
    assert.deepEqual(await shownTexts(page), ['One.', 'Two.', 'Three.']);
    assert.deepEqual(errors, []);
    assert.deepEqual(second.errors, []);
    await context.close();
  });

  test('the in-chat "Open a ticket" on a contact-required site: contact prompt, a linked ticket, its card in the chat', async () => {
    const { context, page, errors } = await visit({ site: 'acme' });
    await launcher(page).click();
    await say(page, 'My invoice shows the wrong VAT');
    await shownAsSent(page, 'My invoice shows the wrong VAT');
    await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
    await page.getByLabel('Your name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await page.getByLabel('Subject').inputValue(), 'My invoice shows the wrong VAT',
      'the subject starts as the first message');
    await page.getByLabel('What happened?').fill('Invoice 2026-118.');
    await page.getByRole('button', { name: 'Send ticket' }).click();

    const card = log(page).locator('li.sys .tk');
    await card.waitFor();
    assert.match(await card.locator('.tc').textContent(), /^ACME-\d+$/);
    assert.equal(await card.locator('.st').textContent(), 'Received');
    const code = await card.locator('.tc').textContent();
    const { id } = await chatOf(page, 'acme');
    const linked = await worker.sql(
      `SELECT t.code, t.requester_email FROM tickets t JOIN ticket_conversations tc
         ON tc.site_id = t.site_id AND tc.ticket_id = t.id
       WHERE tc.conversation_id = ${sqlLiteral(id)}`);
    assert.deepEqual(linked.map((r) => [r.code, r.requester_email]), [[code, 'ada@example.com']]);
    await shot(page, '05-chat-ticket-card');
    await axeClean(page, 'the chat with a ticket card');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '06-chat-ticket-card-phone');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the launcher counts what arrives while the panel is closed, and opening clears it', async () => {
    const { context, page, errors } = await visit();
    await page.evaluate(() => {
      window.__unread = [];
      window.addEventListener('ticketbooth:unread', (e) => window.__unread.push(e.detail.count));
    });
    await launcher(page).click();
    await say(page, 'I will wait.');
    await shownAsSent(page, 'I will wait.');
    await page.keyboard.press('Escape');
    await panel(page).waitFor({ state: 'hidden' });
    const { id } = await chatOf(page);
    const operator = await operatorSession();
    await operator.reply(id, 'First answer.');
    await operator.reply(id, 'Second answer.');
    const badge = launcher(page).locator('.bdg');
    await page.waitForFunction(() => window.__unread.at(-1) === 2, null, { timeout: 15_000 });
    assert.equal(await badge.textContent(), '2');
    assert.equal(await badge.isVisible(), true);
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Open support, 2 new messages');
    await launcher(page).screenshot({ path: join(OUT, '07-launcher-unread.png') });
    await launcher(page).click();
    await badge.waitFor({ state: 'hidden' });
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Close support');
    assert.deepEqual(await page.evaluate(() => window.__unread), [1, 2, 0]);
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('My tickets opens a ticket\'s thread: the team\'s public reply shows; the visitor\'s reply reopens a resolved ticket', async () => {
    const { context, page, errors } = await visit();
    await launcher(page).click();
    await panel(page).getByRole('button', { name: /Open a ticket/ }).click();
    await page.getByLabel('Subject').fill('Backups stopped');
    await page.getByLabel('What happened?').fill('Since Tuesday.');
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code', { hasText: /^TKT-\d+$/ }).waitFor();
    const code = await panel(page).locator('.code').textContent();
    const act = async (verb, body) => {
      const res = await fetch(`${worker.baseUrl}/api/v1/tickets/${code}/${verb}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${agent.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.status < 300, `${verb}: ${res.status} ${await res.text()}`);
    };
    await act('comment', { comment: 'Internal: check the cron.', visibility: 'internal' });
    await act('comment', { comment: 'We restarted the backup job.', visibility: 'public' });
    await act('status', { status: 'pending' });
    await act('status', { status: 'resolved' });

    await panel(page).getByRole('button', { name: 'See my tickets' }).click();
    await panel(page).getByRole('button', { name: new RegExp(code) }).click();
    const thread = panel(page).locator('section', { has: page.getByRole('textbox', { name: 'Your reply' }) });
    await thread.locator('li', { hasText: 'We restarted the backup job.' }).waitFor();
    assert.equal(await thread.locator('li').count(), 1, 'no internal note');
    assert.equal(await thread.locator('.st').textContent(), 'Solved');
    await shot(page, '08-thread');
    await axeClean(page, 'the thread');

    await page.getByRole('textbox', { name: 'Your reply' }).fill('Broken again this morning.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await thread.locator('li', { hasText: 'Broken again this morning.' }).waitFor();
    assert.equal(await thread.locator('.st').textContent(), 'Received', 'reopened');
    const rows = await worker.sql(`SELECT status FROM tickets WHERE code = ${sqlLiteral(code)}`);
    assert.equal(rows[0].status, 'open');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, '09-thread-phone');

    // The visitor's reply is on the ticket's page.
    const operator = await operatorSession();
    await operator.page.goto(`${worker.baseUrl}/app/tickets/${code}`);
    await operator.page.getByText('Broken again this morning.').first().waitFor();
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('a ticket an operator makes of the chat is the visitor\'s: My tickets shows it with the team\'s reply after the chat has expired', async () => {
    const { context, page, errors } = await visit();
    await launcher(page).click();
    await say(page, 'The invoice for March is wrong');
    await shownAsSent(page, 'The invoice for March is wrong');
    const { id } = await chatOf(page);

    // The operator converts the conversation in the dashboard and replies to the customer.
    const operator = await operatorSession();
    await operator.page.goto(`${worker.baseUrl}/app/conversations/${id}`);
    await operator.page.getByText('Create a ticket from this conversation').click();
    await Promise.all([
      operator.page.waitForURL(/\/app\/tickets\/TKT-\d+$/),
      operator.page.getByRole('button', { name: 'Create ticket' }).click(),
    ]);
    const code = new URL(operator.page.url()).pathname.split('/').pop();
    await operator.page.getByLabel('Add a comment').fill('We corrected the March invoice.');
    await operator.page.locator('label.choice.public').click();
    await Promise.all([
      operator.page.waitForNavigation(),
      operator.page.getByRole('button', { name: 'Add comment' }).click(),
    ]);

    // The conversation expires and the cron removes it; the ticket stays the visitor's.
    await worker.sql(`UPDATE conversations SET expires_at = 0 WHERE id = ${sqlLiteral(id)}`);
    assert.equal((await fetch(`${worker.baseUrl}/__scheduled`)).status, 200);
    assert.deepEqual(await worker.sql(`SELECT id FROM conversations WHERE id = ${sqlLiteral(id)}`), []);

    await panel(page).getByRole('button', { name: /My tickets/ }).click();
    await panel(page).getByRole('button', { name: new RegExp(code) }).click();
    const thread = panel(page).locator('section', { has: page.getByRole('textbox', { name: 'Your reply' }) });
    await thread.locator('li', { hasText: 'We corrected the March invoice.' }).waitFor();
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('keyboard only: open, chat, and turn the chat into a ticket whose card appears', async () => {
    const { context, page, errors } = await visit();
    const focusedClass = () => page.evaluate(() => {
      const a = document.querySelector('ticketbooth-widget').shadowRoot.activeElement;
      return a ? a.id || a.className || a.tagName : null;
    });
    await launcher(page).focus();
    await page.keyboard.press('Enter');
    await composer(page).waitFor();
    assert.equal(await focusedClass(), 'in');
    await page.keyboard.type('The export button does nothing');
    await page.keyboard.press('Enter');
    await shownAsSent(page, 'The export button does nothing');
    assert.equal(await focusedClass(), 'in', 'focus stays in the composer after sending');
    await page.keyboard.press('Tab');
    assert.equal(await focusedClass(), 'sn');
    // "Talk to a person" (issue 21) sits under the composer, once there is a conversation.
    await page.keyboard.press('Tab');
    assert.equal(await focusedClass(), 'tp');
    await page.keyboard.press('Tab');
    assert.equal(await focusedClass(), 'card primary');
    await page.keyboard.press('Enter');
    assert.equal(await focusedClass(), 'tb-description', 'the subject is filled in: on to the description');
    await page.keyboard.type('Clicking Export on the reports page.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    const card = log(page).locator('li.sys .tk');
    await card.waitFor();
    assert.match(await card.locator('.tc').textContent(), /^TKT-\d+$/);
    assert.equal(await focusedClass(), 'in', 'back in the chat, in its composer');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('with nobody answering, the chat says so honestly and keeps "Open a ticket" in view', async () => {
    const { context, page, errors } = await visit({ beforeGoto: (p) => p.clock.install() });
    await launcher(page).click();
    await say(page, 'Is anybody there?');
    await shownAsSent(page, 'Is anybody there?');
    const nobody = log(page).locator('p.nt');
    assert.equal(await nobody.isVisible(), false, 'not at once');
    await page.clock.runFor(33_000);
    await nobody.waitFor();
    assert.equal(await nobody.textContent(),
      "Nobody has answered yet. We usually reply within a day. Open a ticket and we'll follow up in My tickets.");
    assert.equal(await panel(page).getByRole('button', { name: /Open a ticket/ }).isVisible(), true);
    await shot(page, '10-chat-nobody-answering');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('an expired conversation ends gracefully: the next message starts a new one', async () => {
    const { context, page, errors } = await visit();
    await launcher(page).click();
    await say(page, 'Day one.');
    await shownAsSent(page, 'Day one.');
    const { id: first } = await chatOf(page);
    await worker.sql(`UPDATE conversations SET expires_at = 0 WHERE id = ${sqlLiteral(first)}`);
    await say(page, 'Day two.');
    await shownAsSent(page, 'Day two.');
    const { id: second } = await chatOf(page);
    assert.ok(second && second !== first, 'a new conversation');
    assert.deepEqual(await shownTexts(page), ['Day two.']);
    const rows = await worker.sql(
      `SELECT body FROM conversation_messages WHERE conversation_id = ${sqlLiteral(second)}`);
    assert.deepEqual(rows.map((r) => r.body), ['Day two.']);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('a burst of 50 incoming messages: each shown once, in order; long tasks on the host page printed', async () => {
    const { context, page, errors } = await visit({
      beforeGoto: (p) => p.addInitScript(() => {
        window.__longTasks = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
      }),
    });
    await launcher(page).click();
    await say(page, 'Send me everything.');
    await shownAsSent(page, 'Send me everything.');
    const { id } = await chatOf(page);
    const operator = await operatorSession();
    // The visitor is writing when the burst comes: neither focus nor their text may move.
    await composer(page).fill('Half a sent');
    const startedAt = await page.evaluate(() => performance.now());
    await Promise.all(Array.from({ length: 50 }, (_, i) => operator.reply(id, `Burst ${i + 1}.`)));
    await page.waitForFunction(
      () => document.querySelector('ticketbooth-widget').shadowRoot.querySelectorAll('ol.ms li').length >= 51,
      null, { timeout: 20_000 },
    );
    const texts = await shownTexts(page);
    assert.equal(texts.length, 51);
    assert.equal(new Set(texts).size, 51, 'none twice');
    const stored = await worker.sql(
      `SELECT body FROM conversation_messages WHERE conversation_id = ${sqlLiteral(id)} ORDER BY seq`);
    assert.deepEqual(texts, stored.map((r) => r.body), 'in the server\'s order');
    assert.equal(await composer(page).inputValue(), 'Half a sent');
    assert.equal(
      await page.evaluate(() => document.querySelector('ticketbooth-widget').shadowRoot.activeElement?.className),
      'in',
      'focus stayed in the composer',
    );
    const long = (await page.evaluate(() => window.__longTasks)).filter((t) => t.start >= startedAt);
    console.log(`burst of 50 incoming messages: ${long.length} long task(s) on the host page${long.length ? ` (longest ${Math.max(...long.map((t) => t.duration)).toFixed(0)} ms)` : ''}`);
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });

  test('Ticketbooth.send(text) chats from the page, and ticketbooth:message reports the replies', async () => {
    const { context, page, errors } = await visit();
    await page.evaluate(() => {
      window.__messages = [];
      window.addEventListener('ticketbooth:message', (e) => window.__messages.push(e.detail));
    });
    await page.evaluate(() => window.Ticketbooth.send('Sent by the page'));
    await page.waitForFunction(() => JSON.parse(localStorage.getItem('ticketbooth:demo:chat') ?? '{}').id);
    const { id } = await chatOf(page);
    const operator = await operatorSession();
    await operator.reply(id, 'Answered.');
    const detail = await page.waitForFunction(() => window.__messages[0], null, { timeout: 15_000 });
    assert.deepEqual(await detail.jsonValue(), { author: 'operator', text: 'Answered.' });
    const rows = await worker.sql(
      `SELECT body FROM conversation_messages WHERE conversation_id = ${sqlLiteral(id)} ORDER BY seq`);
    assert.deepEqual(rows.map((r) => r.body), ['Sent by the page', 'Answered.']);
    assert.deepEqual(errors, []);
    await operator.ctx.close();
    await context.close();
  });
});

test("a chat started on a page with a signed identity is that person's from its first message: the ticket an operator makes of it names them", async () => {
  // A site with an identity secret (a new site, so no isolate has it cached without one).
  const secret = 'b'.repeat(64);
  await worker.sql(insertSite({ key: 'known', code_prefix: 'KNO', allowed_origins: [host.origin] }));
  await worker.sql(`UPDATE sites SET identity_secret = '${secret}' WHERE key = 'known'`);
  const owner = await addOperator(worker, { site: 'known', role: 'owner', email: 'kim@known.example', name: 'Kim Known' });
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ site: 'known', sub: 'user-42', name: 'Ada Lovelace', email: 'ada@example.com', iat: now - 60, exp: now + 3600 })}`;
  const jwt = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;

  const { context, page, errors } = await visit({ site: 'known' });
  await page.evaluate((token) => window.Ticketbooth.identify(token), jwt);
  await launcher(page).click();
  await say(page, 'My export keeps failing');
  await shownAsSent(page, 'My export keeps failing');
  const { id } = await chatOf(page, 'known');
  // Known from the start: the conversation already has the identity's name and email.
  const [conversation] = await worker.sql(`SELECT requester_name, requester_email FROM conversations WHERE id = ${sqlLiteral(id)}`);
  assert.deepEqual(conversation, { requester_name: 'Ada Lovelace', requester_email: 'ada@example.com' });

  const ctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const operator = await ctx.newPage();
  await signIn(operator, worker, owner);
  await operator.goto(`${worker.baseUrl}/app/conversations/${id}`);
  await operator.getByText('Create a ticket from this conversation').click();
  await Promise.all([
    operator.waitForURL(/\/app\/tickets\/KNO-\d+$/),
    operator.getByRole('button', { name: 'Create ticket' }).click(),
  ]);
  const code = new URL(operator.url()).pathname.split('/').pop();
  const [ticket] = await worker.sql(`SELECT requester_name, requester_email FROM tickets WHERE code = ${sqlLiteral(code)}`);
  assert.deepEqual(ticket, { requester_name: 'Ada Lovelace', requester_email: 'ada@example.com' });
  await operator.getByText('ada@example.com').first().waitFor();
  await operator.screenshot({ path: join(OUT, '20-ticket-from-identified-chat.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
  await context.close();
});
