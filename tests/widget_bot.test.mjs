// The site's bot in the widget's chat, end to end: the demo host page (its own origin) embeds the
// widget from a real `wrangler dev` with its own local D1; the site's bot calls the LLM double
// (tests/support/llm.mjs, the Chat Completions wire format), which streams slowly, word by word.
// The visitor sees the reply grow while it arrives (the live room's typing frames), then the
// stored message; for a problem, the ticket's card shows in the chat and the reply names its
// code. Screenshots under tests/output/widget-bot/.
//
//   node --test tests/widget_bot.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { slowly, startLlm, text, toolCall } from './support/llm.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget-bot');

let llm;
let host;
let worker;
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  llm = await startLlm();
  host = await startHostSite();
  worker = await startWorker({
    sites: [{ key: 'demo', code_prefix: 'TKT', allowed_origins: [host.origin] }],
  });
  host.setWorker(worker);
  // The bot as the bots page saves it (no key: the double needs none). Set before the Worker
  // first reads the site, so no cached copy predates it.
  const bot = JSON.stringify({
    name: 'Robin', base_url: llm.baseUrl, model: 'gpt-test', system_prompt: '',
    max_rounds: 3, timeout_seconds: 20,
  });
  await worker.sql(`UPDATE sites SET bot = ${sqlLiteral(bot)} WHERE key = 'demo'`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
  await llm?.stop();
});

async function visit() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, reducedMotion: 'reduce' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${host.origin}/demo/?site=demo`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  // Every text the bot's "typing" item shows, sampled each frame (a frame can be short-lived).
  await page.evaluate(() => {
    window.__typing = [];
    const sample = () => {
      const text = document.querySelector('ticketbooth-widget')?.shadowRoot
        ?.querySelector('li.typing .bx')?.textContent;
      if (text && window.__typing.at(-1) !== text) window.__typing.push(text);
      requestAnimationFrame(sample);
    };
    sample();
  });
  await page.locator('ticketbooth-widget button.l').click();
  return { context, page, errors };
}

const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const log = (page) => panel(page).getByRole('log', { name: 'Conversation' });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });

async function say(page, words) {
  const composer = panel(page).getByRole('textbox', { name: 'Message' });
  await composer.fill(words);
  await composer.press('Enter');
}

/** The bot's stored message with `text` (not the typing item). */
const stored = (page, text) => log(page).locator('li.bot:not(.typing)', { hasText: text });

/** Waits until the typing item shows part of `final`, not all of it; returns what it showed. */
async function seenTyping(page, final) {
  const handle = await page.waitForFunction(
    (f) => window.__typing.find((t) => t !== '…' && f.startsWith(t.trimEnd()) && t.trimEnd().length < f.length),
    final,
    { timeout: 15_000, polling: 100 },
  );
  return handle.jsonValue();
}

describe("the bot in the widget's chat", () => {
  test('the reply grows while it streams, then stays as the stored message', async () => {
    const words = ["We're ", 'open ', 'Monday ', 'to ', 'Friday, ', '9:00 ', 'to ', '18:00, ',
      'and ', 'on ', 'Saturday ', 'from ', '10:00 ', 'to ', '14:00.'];
    const final = words.join('');
    llm.script(slowly(text(...words), 200));
    const { context, page, errors } = await visit();
    await say(page, 'When are you open?');

    const partial = await seenTyping(page, final);
    assert.ok(partial.length > 0 && partial.trimEnd().length < final.length, `partial: ${partial}`);
    const typingItem = log(page).locator('li.typing');
    assert.match(await typingItem.locator('.au').textContent(), /Robin/);
    await shot(page, '01-bot-typing');

    await stored(page, final).waitFor({ timeout: 15_000 });
    await typingItem.waitFor({ state: 'detached' });
    assert.equal(await log(page).locator('li.bot').count(), 1, 'the typing item became the message');
    const seen = await page.evaluate(() => window.__typing);
    assert.ok(seen.length >= 2, `the text grew over several frames: ${JSON.stringify(seen)}`);
    for (const t of seen.filter((t) => t !== '…')) {
      assert.ok(final.startsWith(t.trimEnd()), `every frame a prefix of the reply: ${t}`);
    }
    await shot(page, '02-bot-replied');
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("a problem opens a ticket: its card shows in the chat and the bot's reply names the code", async () => {
    llm.script(
      toolCall('call_broken_lamp', 'open_ticket', {
        subject: 'Lamp arrived broken', description: 'Order 1042: the lamp arrived with a cracked shade.',
        priority: 'normal', summary: 'Broken on arrival; wants a replacement.', requester_name: null, requester_email: null,
      }),
      slowly(text("I've ", 'opened ', 'ticket ', 'TKT-1 ', 'for ', 'you: ', 'the ', 'team ', 'will ', 'answer ', 'here.'), 150),
    );
    const { context, page, errors } = await visit();
    await say(page, 'My lamp from order 1042 arrived broken, the shade is cracked.');

    const card = log(page).locator('li.sys .tk');
    await card.waitFor({ timeout: 15_000 });
    assert.equal(await card.locator('.tc').textContent(), 'TKT-1');
    const final = "I've opened ticket TKT-1 for you: the team will answer here.";
    await seenTyping(page, final);
    await stored(page, final).waitFor({ timeout: 15_000 });
    await log(page).locator('li.typing').waitFor({ state: 'detached' });
    await shot(page, '03-bot-ticket');

    // The model was told the code by the tool's result; the ticket is the bot's, linked.
    const toolResult = llm.requests.at(-1).body.messages.find((m) => m.role === 'tool');
    assert.equal(JSON.parse(toolResult.content).code, 'TKT-1');
    const rows = await worker.sql(
      `SELECT t.code, t.source FROM tickets t JOIN ticket_conversations tc
         ON tc.site_id = t.site_id AND tc.ticket_id = t.id`);
    assert.deepEqual(rows, [{ code: 'TKT-1', source: 'bot' }]);
    assert.deepEqual(errors, []);
    await context.close();
  });
});
