// E-mail out through Cloudflare Email Service, against `wrangler dev`: its local simulation of
// the `[[send_email]]` binding writes each sent message to an .eml file and prints
// "send_email binding called with the following message: … Email: <path>". An owner turns the
// site's e-mail on on its settings page; a widget ticket with an address gets "we have your
// request" (read back from the .eml wrangler wrote, with its Reply-To on the ticket's token,
// List-Unsubscribe and Auto-Submitted) and the timeline shows it; a public reply from the
// ticket page sends the reply mail; the unsubscribe link opts the address out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { AxeBuilder } from '@axe-core/playwright';

import { launchBrowser } from './support/browser.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { ROOT, startWorker } from './support/wrangler.mjs';

const OUTPUT = join(ROOT, 'tests', 'output');
const ORIGIN = 'https://tickets.example.com';

let worker;
let browser;
let owner;

before(async () => {
  worker = await startWorker({
    sites: [{ key: 'shop', name: 'Shop' }],
    vars: { MAIL_RETRY_SECONDS: '1', DASHBOARD_ORIGIN: ORIGIN },
  });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  await mkdir(OUTPUT, { recursive: true });
  browser = await launchBrowser({ viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

async function until(check, what, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${worker.log().slice(-3000)}`);
}

/** The messages wrangler's Email Service simulation wrote, as raw text, oldest first. */
async function sentMails() {
  // eslint-disable-next-line no-control-regex
  const log = worker.log().replace(/\x1b\[[0-9;]*m/g, '');
  const paths = [...log.matchAll(/Email: (\S+\.eml)/g)].map((m) => m[1]);
  return Promise.all([...new Set(paths)].map((p) => readFile(p, 'utf8')));
}

/** A header of a raw message (unfolded). */
function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The decoded text/plain part. */
function plainText(raw) {
  const at = raw.indexOf('Content-Type: text/plain');
  const body = raw.slice(at).split(/\r?\n\r?\n/)[1].split(/\r?\n--/)[0];
  return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
}

test('the requester is mailed on create and on a public reply, through the local Email Service', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await page.goto(`${worker.baseUrl}/app/settings/email`);
  await page.getByLabel('Send e-mail to requesters and operators').check();
  await page.getByLabel('Support address').fill('help');
  await page.getByRole('button', { name: 'Save e-mail settings' }).click();
  await page.waitForURL(/done=site/);
  assert.match(await page.locator('main, body').first().innerText(), /E-mail settings saved/);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id}: ${v.help}`), []);
  await page.screenshot({ path: join(OUTPUT, 'email-settings.png'), fullPage: true });

  const res = await fetch(`${worker.baseUrl}/api/v1/sites/shop/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ subject: 'Printer <on> fire', description: 'Third floor.', requester: { name: 'Ada Lovelace', email: 'ada@example.com' } }),
  });
  assert.equal(res.status, 201);
  const { ticket } = await res.json();

  const [received] = await until(async () => {
    const mails = await sentMails();
    return mails.length >= 1 && mails;
  }, 'the "we have your request" mail');
  const [{ reply_token: token }] = await worker.sql(`SELECT reply_token FROM tickets WHERE id = '${ticket.id}'`);
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.equal(header(received, 'To'), '<ada@example.com>');
  assert.equal(header(received, 'From'), '"Shop" <help@mail.ticketbooth.localhost>');
  assert.equal(header(received, 'Reply-To'), `"Shop" <t-${token}@mail.ticketbooth.localhost>`);
  assert.equal(header(received, 'Auto-Submitted'), 'auto-generated');
  assert.equal(header(received, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click');
  const unsubscribe = header(received, 'List-Unsubscribe').slice(1, -1);
  assert.ok(unsubscribe.startsWith(`${ORIGIN}/api/v1/sites/shop/email/unsubscribe?to=ada%40example.com&sig=`), unsubscribe);
  assert.match(header(received, 'Subject'), new RegExp(`^\\[${ticket.code}\\] We have your request`));
  assert.match(plainText(received), new RegExp(`We have your request, ${ticket.code}`));

  // On the ticket's timeline, once sent.
  await until(async () => (await worker.sql("SELECT count(*) AS n FROM ticket_events WHERE kind = 'email_sent'"))[0].n === 1, 'the email_sent event');
  await page.goto(`${worker.baseUrl}/app/tickets/${ticket.code}`);
  assert.match(await page.locator('body').innerText(), /E-mail sent \(received\) to ada@example\.com/);

  // A public reply from the ticket page goes out as the reply mail.
  await page.getByLabel('Add a comment').fill('We have sent a technician: <b>today</b>.');
  await page.getByLabel(/Reply to customer/).check();
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.waitForURL(new RegExp(`/app/tickets/${ticket.code}`));
  const mails = await until(async () => {
    const all = await sentMails();
    return all.length >= 2 && all;
  }, 'the reply mail');
  const reply = mails[1];
  assert.match(header(reply, 'Subject'), new RegExp(`^Re: \\[${ticket.code}\\]`));
  assert.equal(header(reply, 'Auto-Submitted'), undefined, 'a person wrote it');
  assert.equal(header(reply, 'References'), header(received, 'References'), 'one thread per ticket');
  assert.match(plainText(reply), /We have sent a technician: <b>today<\/b>\./);
  await until(async () => (await worker.sql("SELECT count(*) AS n FROM ticket_events WHERE kind = 'email_sent'"))[0].n === 2, 'the reply mail on the timeline');
  await page.reload();
  assert.match(await page.locator('body').innerText(), /E-mail sent \(reply\) to ada@example\.com/);
  await page.screenshot({ path: join(OUTPUT, 'email-ticket-timeline.png'), fullPage: true });

  // The unsubscribe link: a page that asks, then the address gets nothing more.
  const path = unsubscribe.slice(ORIGIN.length);
  await page.goto(`${worker.baseUrl}${path}`);
  await page.screenshot({ path: join(OUTPUT, 'email-unsubscribe.png'), fullPage: true });
  await page.getByRole('button', { name: 'Unsubscribe' }).click();
  assert.match(await page.locator('body').innerText(), /ada@example\.com will get no more e-mail from Shop/);
  const [state] = await worker.sql("SELECT opted_out_at IS NOT NULL AS out FROM email_recipients WHERE address = 'ada@example.com'");
  assert.equal(state.out, 1);
  await page.close();
});
