// Contact details given in the chat, end to end: a site that requires a contact on tickets has
// a bot (the provider played by tests/support/llm.mjs); the model calls `open_ticket` without
// one, so the widget shows a small contact form in the message list; the visitor fills it; the
// bot's next turn (woken by the form) opens the ticket with that requester, and its card shows.
// Screenshots under tests/output/widget-contact/.
//
//   node --test tests/widget_contact.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';

import { startLlm, text, toolCall } from './support/llm.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'widget-contact');

let llm;
let host;
let worker;
let browser;

before(async () => {
  await mkdir(OUT, { recursive: true });
  llm = await startLlm();
  host = await startHostSite();
  worker = await startWorker({
    sites: [{ key: 'acme', contact_required: 1, code_prefix: 'ACME', allowed_origins: [host.origin] }],
  });
  host.setWorker(worker);
  // The bot, before the Worker first loads the site (it caches sites): a keyless provider.
  const bot = JSON.stringify({
    name: 'Robin', base_url: llm.baseUrl, model: 'gpt-test', api_key_secret: '',
    system_prompt: '', max_rounds: 3, timeout_seconds: 20,
  });
  await worker.sql(`UPDATE sites SET bot = ${sqlLiteral(bot)} WHERE key = 'acme'`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
  await llm?.stop();
});

async function axeClean(page, label) {
  const results = await new AxeBuilder({ page }).include('ticketbooth-widget').analyze();
  assert.deepEqual(
    results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe violations on ${label}`,
  );
}

const billing = {
  subject: 'Charged twice', description: 'Order 1234 was charged twice.',
  priority: 'high', summary: 'Double charge.',
};

test('the bot asks for a contact, the visitor gives it in the chat, the ticket carries it', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${host.origin}/demo/?site=acme`);
  await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
  await page.locator('ticketbooth-widget button.l').click();
  const panel = page.getByRole('dialog', { name: /Support/ });
  const log = panel.getByRole('log', { name: 'Conversation' });

  // The model tries to open the ticket without a contact: refused, and a form is left.
  llm.script(
    toolCall('call_1', 'open_ticket', billing),
    text('I need your name and email to open a ticket.'),
  );
  const composer = panel.getByRole('textbox', { name: 'Message' });
  await composer.fill('I was charged twice for order 1234');
  await composer.press('Enter');
  const form = log.getByRole('form', { name: /leave your name and email/ });
  await form.waitFor({ timeout: 20_000 });
  await log.locator('.bx', { hasText: 'I need your name and email' }).waitFor({ timeout: 20_000 });
  assert.equal(Number((await worker.sql('SELECT count(*) AS n FROM tickets'))[0].n), 0);
  await axeClean(page, 'the contact form in the chat');

  // Errors as text, next to their fields, before anything is sent.
  await form.getByRole('button', { name: 'Share my details' }).click();
  await form.getByText('This field is required.').first().waitFor();
  await axeClean(page, 'the contact form with errors');
  await page.screenshot({ path: join(OUT, '01-contact-form-errors.png') });

  // The visitor gives their details: the next turn opens the ticket with them.
  llm.script(toolCall('call_2', 'open_ticket', billing), text('Done: ticket ACME-1 is open.'));
  await form.getByRole('textbox', { name: 'Your name' }).fill('Ann Example');
  await form.getByRole('textbox', { name: 'Email' }).fill('ann@example.com');
  await form.getByRole('button', { name: 'Share my details' }).click();
  await log.getByText('Thanks, we have your details.').waitFor({ timeout: 20_000 });
  const card = log.locator('.tk', { hasText: 'ACME-1' });
  await card.waitFor({ timeout: 20_000 });
  await log.locator('.bx', { hasText: 'Done: ticket ACME-1 is open.' }).waitFor({ timeout: 20_000 });

  const [ticket] = await worker.sql(
    "SELECT requester_name, requester_email, source FROM tickets WHERE code = 'ACME-1'");
  assert.deepEqual(ticket, { requester_name: 'Ann Example', requester_email: 'ann@example.com', source: 'bot' });
  // The bot's turn after the form knew the contact.
  const last = llm.requests.at(-2).body.messages[0].content;
  assert.match(last, /The visitor's contact: Ann Example <ann@example\.com>/);
  // The widget keeps the contact, as its contact prompt does.
  const stored = await page.evaluate(() => localStorage.getItem('ticketbooth:acme:contact'));
  assert.deepEqual(JSON.parse(stored), { name: 'Ann Example', email: 'ann@example.com' });

  await axeClean(page, 'the chat after the contact was given');
  await page.screenshot({ path: join(OUT, '02-contact-given-ticket-card.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});
