// Escalation end to end: the demo host page embeds the widget from a real `wrangler dev` with its
// own local D1; the site's bot calls the LLM double (tests/support/llm.mjs). A visitor presses
// "Talk to a person" (and, in another conversation, the double answers with a `hand_off` tool
// call): the widget says a person will follow up and shows the ticket's card, one ticket exists
// with the reason, the bot stops answering, and the operators' inbox lists the conversation
// first with why. Screenshots under tests/output/escalation/.
//
//   node --test tests/escalation.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { startLlm, text, toolCall } from './support/llm.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'escalation');

let llm;
let host;
let worker;
let browser;
let agent;

before(async () => {
  await mkdir(OUT, { recursive: true });
  llm = await startLlm();
  host = await startHostSite();
  worker = await startWorker({
    sites: [{ key: 'demo', code_prefix: 'TKT', allowed_origins: [host.origin] }],
  });
  host.setWorker(worker);
  const bot = JSON.stringify({
    name: 'Robin', base_url: llm.baseUrl, model: 'gpt-test', system_prompt: '',
    max_rounds: 3, timeout_seconds: 20,
  });
  await worker.sql(`UPDATE sites SET bot = ${sqlLiteral(bot)} WHERE key = 'demo'`);
  agent = await addOperator(worker, { site: 'demo', role: 'member', email: 'ada@demo.example', name: 'Ada Agent' });
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
  await page.locator('ticketbooth-widget button.l').click();
  return { context, page, errors };
}

const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });
const log = (page) => panel(page).getByRole('log', { name: 'Conversation' });
const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`) });
const talk = (page) => panel(page).getByRole('button', { name: 'Talk to a person' });

async function say(page, words) {
  const composer = panel(page).getByRole('textbox', { name: 'Message' });
  await composer.fill(words);
  await composer.press('Enter');
}

/** The newest conversation's row. */
async function newest() {
  const [row] = await worker.sql(
    `SELECT id, escalation_reason, escalation_note, escalation_ticket_refused
       FROM conversations ORDER BY created_at DESC LIMIT 1`);
  return row;
}

/** The tickets linked to conversation `id`, with their `escalated` events. */
async function ticketsOf(id) {
  return worker.sql(
    `SELECT t.code, t.source, t.description,
            (SELECT count(*) FROM ticket_events e
               WHERE e.site_id = t.site_id AND e.ticket_id = t.id AND e.kind = 'escalated') AS escalated
       FROM tickets t JOIN ticket_conversations tc ON tc.site_id = t.site_id AND tc.ticket_id = t.id
      WHERE tc.conversation_id = ${sqlLiteral(id)}`);
}

/** The summary the double writes for the first test's automatic ticket. */
const SUMMARY = 'The visitor says order 1042 never arrived and asked for a person.';

/** The requests of the chat's turns: they offer tools; the summary job's call offers none. */
function chatTurns() {
  return llm.requests.filter((r) => Array.isArray(r.body.tools) && r.body.tools.length > 0);
}

async function until(check, what, ms = 15_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('escalation to a person', () => {
  test('a visitor asks for a person: the inbox shows it waiting first, one ticket, the card in the widget', async () => {
    llm.script(text('Hello! ', 'Which order is it about?'));
    const { context, page, errors } = await visit();
    assert.equal(await talk(page).count(), 0, 'no button before there is a conversation');
    await say(page, 'My order 1042 never arrived');
    await log(page).locator('li.bot:not(.typing)', { hasText: 'Which order' }).waitFor({ timeout: 15_000 });
    await shot(page, '00-widget-talk-to-a-person');
    llm.script(text(SUMMARY));
    await talk(page).click();

    await log(page).getByText('A person will follow up here.').waitFor({ timeout: 15_000 });
    const card = log(page).locator('li.sys .tk:not([hidden])');
    await card.waitFor();
    assert.equal(await card.locator('.tc').textContent(), 'TKT-1');
    await talk(page).waitFor({ state: 'hidden' });
    await shot(page, '01-widget-after-talk-to-a-person');

    const chat = await newest();
    assert.equal(chat.escalation_reason, 'visitor_asked');
    assert.equal(chat.escalation_ticket_refused, null);
    const tickets = await ticketsOf(chat.id);
    assert.equal(tickets.length, 1, JSON.stringify(tickets));
    assert.equal(tickets[0].source, 'bot');
    assert.equal(tickets[0].escalated, 1);
    assert.match(tickets[0].description, /the visitor asked for a person/);

    // The automatic ticket's summary: written through the Queue by the summary job, which asks
    // the model (the answer scripted above) once the ticket exists — never on the visitor's path.
    await until(async () => {
      const [row] = await worker.sql("SELECT summary, summary_by FROM tickets WHERE code = 'TKT-1'");
      return row.summary === SUMMARY && row.summary_by === 'provider';
    }, "the automatic ticket's summary", 30_000);

    // The bot stays quiet now: a further message asks the chat model nothing.
    const asked = chatTurns().length;
    await say(page, 'Hello?');
    await until(async () => {
      const [row] = await worker.sql(
        `SELECT count(*) AS n FROM conversation_messages WHERE conversation_id = ${sqlLiteral(chat.id)} AND author_kind = 'visitor'`);
      return row.n === 2;
    }, 'the second message stored');
    await page.waitForTimeout(1500);
    assert.equal(chatTurns().length, asked, 'the model was not called');

    // Another visitor's conversation, with newer activity, that the bot answers.
    llm.script(text('Sure, we ship worldwide.'));
    const other = await visit();
    await say(other.page, 'Do you ship to Canada?');
    await log(other.page).locator('li.bot:not(.typing)', { hasText: 'worldwide' }).waitFor({ timeout: 15_000 });
    await other.context.close();

    const desk = await context.newPage();
    await signIn(desk, worker, agent);
    await desk.goto(`${worker.baseUrl}/app/conversations`);
    const first = desk.locator('ul.inbox > li').first();
    await first.waitFor();
    assert.equal(await first.locator('a').getAttribute('href'), `/app/conversations/${chat.id}`);
    assert.match(await first.textContent(), /Waiting for a person/);
    assert.match(await first.textContent(), /the visitor asked for a person/);
    assert.equal(await desk.locator('ul.inbox > li').count(), 2);
    await desk.screenshot({ path: join(OUT, '02-inbox-waiting-first.png'), fullPage: true });

    await first.locator('a').click();
    await desk.getByRole('button', { name: 'Hand back to the bot' }).waitFor();
    await desk.screenshot({ path: join(OUT, '03-conversation-escalated.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });

  test('the model hands off: one ticket with its reason, the card and the note in the widget', async () => {
    llm.script(
      toolCall('call_handoff', 'hand_off', { reason: 'The visitor wants a refund decided by a person' }),
      text('I have passed you to our team.'),
    );
    const { context, page, errors } = await visit();
    await say(page, 'Can I talk to a human about a refund?');
    await log(page).getByText('A person will follow up here.').waitFor({ timeout: 15_000 });
    const card = log(page).locator('li.sys .tk:not([hidden])');
    await card.waitFor();
    assert.equal(await card.locator('.tc').textContent(), 'TKT-2');
    await log(page).locator('li.bot:not(.typing)', { hasText: 'passed you to our team' }).waitFor({ timeout: 15_000 });
    await talk(page).waitFor({ state: 'hidden' });
    await shot(page, '04-widget-after-hand-off');

    const chat = await newest();
    assert.equal(chat.escalation_reason, 'hand_off');
    assert.equal(chat.escalation_note, 'The visitor wants a refund decided by a person');
    const tickets = await ticketsOf(chat.id);
    assert.equal(tickets.length, 1, JSON.stringify(tickets));
    assert.match(tickets[0].description, /The visitor wants a refund decided by a person/);
    assert.equal(tickets[0].escalated, 1);
    // The model read that the hand-off happened, with the ticket.
    const result = chatTurns().at(-1).body.messages.find((m) => m.role === 'tool');
    assert.equal(JSON.parse(result.content).result, 'handed_off');

    const desk = await context.newPage();
    await signIn(desk, worker, agent);
    await desk.goto(`${worker.baseUrl}/app/conversations`);
    const item = desk.locator(`ul.inbox > li:has(a[href="/app/conversations/${chat.id}"])`);
    await until(async () => (await item.count()) === 1, 'the conversation in the inbox');
    assert.match(await item.textContent(), /the bot handed it over: The visitor wants a refund decided by a person/);
    // Both escalated conversations come before the one the bot still answers.
    const rows = desk.locator('ul.inbox > li');
    assert.equal(await rows.count(), 3);
    assert.match(await rows.nth(1).textContent(), /Waiting for a person/);
    assert.doesNotMatch(await rows.nth(2).textContent(), /Waiting for a person/);
    await desk.screenshot({ path: join(OUT, '05-inbox-two-waiting.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  });
});
