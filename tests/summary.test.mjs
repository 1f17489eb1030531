// The AI summary, end to end: a visitor sends a ticket from the widget with the host page's chat
// transcript (`Ticketbooth.openTicket`) on a site whose bot's provider is the LLM double
// (tests/support/llm.mjs). The Worker answers the visitor at once; after the answer it hands the
// summary job to the Queue (the local queue of `wrangler dev`), whose consumer asks the double
// for a summary and writes it. An operator then finds it on the ticket page (with who wrote it)
// and as a muted line under the subject in the list, within a bounded wait. Screenshots under
// tests/output/summary/.
//
//   node --test tests/summary.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { startLlm, text } from './support/llm.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { launch, startHostSite } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'summary');

/** How long the summary may take to appear: a Queue batch (1 s timeout) and one model call. */
const SUMMARY_WAIT_MS = 30_000;

const SUMMARY = 'The customer was charged twice for order 1042 and wants the second charge refunded.';

let llm;
let host;
let worker;
let browser;
let owner;

before(async () => {
  await mkdir(OUT, { recursive: true });
  llm = await startLlm();
  host = await startHostSite();
  worker = await startWorker({
    sites: [{ key: 'shop', code_prefix: 'SHOP', allowed_origins: [host.origin] }],
  });
  host.setWorker(worker);
  // The bot as the bots page saves it (no key: the double needs none); summaries follow it.
  const bot = JSON.stringify({
    name: 'Robin', base_url: llm.baseUrl, model: 'gpt-test', system_prompt: '',
    max_rounds: 3, timeout_seconds: 20,
  });
  await worker.sql(`UPDATE sites SET bot = ${sqlLiteral(bot)} WHERE key = 'shop'`);
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
  await host?.close();
  await llm?.stop();
});

const panel = (page) => page.getByRole('dialog', { name: /Support|Assistance/ });

describe('the AI summary', () => {
  test('a widget ticket with a chat transcript gets its summary on the ticket page and in the list', async () => {
    llm.script(text('**The customer** was charged twice ', 'for order 1042 and wants ', 'the second charge refunded.'));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${host.origin}/demo/?site=shop`);
    await page.locator('ticketbooth-widget[data-ready]').waitFor({ state: 'attached' });
    await page.evaluate(() => window.Ticketbooth.openTicket({
      subject: 'Charged twice for order 1042',
      description: 'See the chat.',
      transcript: [
        { author: 'visitor', text: 'Hi, I was charged twice for order 1042.' },
        { author: 'bot', text: 'Sorry about that! Do you see two charges on your statement?' },
        { author: 'visitor', text: 'Yes, two charges of 49 euros on the same day. Please refund one.' },
      ],
    }));
    await page.getByRole('button', { name: 'Send ticket' }).click();
    await panel(page).locator('.code').waitFor();
    assert.deepEqual(errors, []);

    // The operator's side: the summary arrives through the Queue, not on the visitor's path.
    await signIn(page, worker, owner);
    const started = Date.now();
    let found = false;
    while (Date.now() - started < SUMMARY_WAIT_MS) {
      await page.goto(`${worker.baseUrl}/app/tickets/SHOP-1`);
      if (await page.locator('[data-summary]').count()) {
        found = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(found, `no summary within ${SUMMARY_WAIT_MS} ms`);
    const summary = page.getByRole('region', { name: 'Summary' });
    assert.equal(await summary.locator('[data-summary]').textContent(), SUMMARY);
    assert.match(await summary.textContent(), /Written by the AI provider\./);
    await summary.getByRole('button', { name: 'Refresh summary' }).waitFor();
    await page.screenshot({ path: join(OUT, '01-ticket-page-summary.png'), fullPage: true });

    // The provider was asked once, in the site's language, with the chat as data.
    const asked = llm.requests.filter((r) => r.url === '/v1/chat/completions');
    assert.equal(asked.length, 1);
    assert.match(asked[0].body.messages[0].content, /in English/);
    assert.match(asked[0].body.messages[1].content, /Customer: Hi, I was charged twice/);
    const rows = await worker.sql(
      "SELECT t.summary_by, (SELECT COUNT(*) FROM ticket_events e WHERE e.ticket_id = t.id AND e.kind = 'summary_updated') AS events FROM tickets t WHERE t.code = 'SHOP-1'",
    );
    assert.deepEqual(rows.map((r) => [r.summary_by, r.events]), [['provider', 1]]);

    await page.goto(`${worker.baseUrl}/app/tickets`);
    const line = page.locator('.summary-line');
    assert.equal(await line.textContent(), SUMMARY);
    await page.screenshot({ path: join(OUT, '02-list-summary-line.png') });
    await context.close();
  });
});
