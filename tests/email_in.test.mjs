// Inbound e-mail end to end, through `wrangler dev`'s local Email Routing endpoint
// (`POST /cdn-cgi/handler/email?from=…&to=…`, the raw message as the body), which calls the
// Worker's `email` handler: a reply to a ticket's address lands on the ticket as the
// customer's reply (ticket page and the widget's thread), its quoted history gone; a resolved
// ticket reopens; mail to the site's support address opens an `email` ticket; a bounce marks
// the address. Screenshots under tests/output/email_in/.
//
//   node --test tests/email_in.test.mjs        (Node 22; `cargo xtask build` first)

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import { ROOT, sqlLiteral, startWorker } from './support/wrangler.mjs';
import { addOperator, signIn } from './support/operators.mjs';
import { launch } from './widget/browser.mjs';

const OUT = join(ROOT, 'tests', 'output', 'email_in');
const DOMAIN = 'mail.e2e.example';
const TOKEN = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

let worker;
let browser;
let owner;

before(async () => {
  await mkdir(OUT, { recursive: true });
  worker = await startWorker({ sites: [{ key: 'demo', name: 'Demo Shop' }], vars: { EMAIL_DOMAIN: DOMAIN } });
  owner = await addOperator(worker, { site: 'demo', role: 'owner', email: 'olga@demo.example', name: 'Olga Owner' });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await worker?.stop();
});

/** Hands `raw` to the Worker's `email` handler as Email Routing would. */
async function deliver(from, to, raw) {
  const url = `${worker.baseUrl}/cdn-cgi/handler/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  const res = await fetch(url, { method: 'POST', body: raw.replaceAll('\n', '\r\n') });
  return { status: res.status, text: await res.text() };
}

/** A Gmail-style reply from Vera, quoting the team's last message. */
function reply(messageId, text) {
  return `From: Vera Visitor <Vera@Example.com>
To: Demo Shop <t-${TOKEN}@${DOMAIN}>
Subject: Re: [TKT-1] Parcel never arrived
Message-ID: <${messageId}>
In-Reply-To: <sent-1@${DOMAIN}>
Date: Mon, 07 Dec 2026 10:15:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

${text}

Vera

On Mon, Dec 7, 2026 at 10:02 AM Demo Shop <t-${TOKEN}@${DOMAIN}> wrote:
> Could you send us the tracking number?
> QUOTED-HISTORY-LINE
--b1
Content-Type: image/png; name="label.png"
Content-Disposition: attachment; filename="label.png"
Content-Transfer-Encoding: base64

iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==
--b1--
`;
}

async function ticket(code) {
  const [row] = await worker.sql(`SELECT id, status, source, customer_replied_at FROM tickets WHERE code = ${sqlLiteral(code)}`);
  return row;
}

test('a reply posted to /cdn-cgi/handler/email lands on the ticket as the customer\'s reply', async () => {
  // Vera opens a ticket from the widget's API, with her e-mail.
  const created = await fetch(`${worker.baseUrl}/api/v1/sites/demo/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({
      subject: 'Parcel never arrived',
      description: 'Order 5521 was due on Friday.',
      requester: { name: 'Vera Visitor', email: 'vera@example.com' },
    }),
  });
  assert.equal(created.status, 201);
  const { ticket: made, visitor_token: visitorToken } = await created.json();
  // The reply token outbound mail mints (not on this branch): set in D1 directly.
  await worker.sql(`UPDATE tickets SET reply_token = ${sqlLiteral(TOKEN)} WHERE id = ${sqlLiteral(made.id)}`);

  const first = await deliver('vera@example.com', `t-${TOKEN}@${DOMAIN}`, reply('e2e-reply-1@example.com', 'The tracking number is 1Z999AA10123456784.'));
  assert.ok(first.status < 300, `delivered: ${first.status} ${first.text}`);

  // In the widget's thread, as hers, without the quoted history.
  const thread = await fetch(`${worker.baseUrl}/api/v1/sites/demo/tickets/${made.id}/comments`, {
    headers: { authorization: `Bearer ${visitorToken}` },
  });
  assert.equal(thread.status, 200);
  const { comments } = await thread.json();
  assert.equal(comments.length, 1, JSON.stringify(comments));
  assert.equal(comments[0].from, 'visitor');
  assert.match(comments[0].body, /^The tracking number is 1Z999AA10123456784\.\n\nVera/);
  assert.doesNotMatch(comments[0].body, /QUOTED-HISTORY-LINE|wrote:/);
  assert.ok((await ticket(made.code)).customer_replied_at, 'marked "Customer replied"');

  // The same message again (a retried delivery) adds nothing.
  await deliver('vera@example.com', `t-${TOKEN}@${DOMAIN}`, reply('e2e-reply-1@example.com', 'The tracking number is 1Z999AA10123456784.'));
  const [{ n }] = await worker.sql(`SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ${sqlLiteral(made.id)}`);
  assert.equal(n, 1);

  // On the ticket page: the customer's reply, the attachment listed on the timeline.
  for (const [name, width] of [['desktop', 1280], ['mobile', 390]]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    await signIn(page, worker, owner);
    await page.goto(`${worker.baseUrl}/app/tickets/${made.code}`);
    await page.getByText('The tracking number is 1Z999AA10123456784.').first().waitFor();
    assert.equal(await page.getByText('QUOTED-HISTORY-LINE').count(), 0, 'quoted history stripped');
    await page.getByText(/label\.png/).first().waitFor();
    await page.screenshot({ path: join(OUT, `01-ticket-with-emailed-reply-${name}.png`), fullPage: true });
    await context.close();
  }

  // Resolved, then a reply by e-mail: open again.
  await worker.sql(`UPDATE tickets SET status = 'resolved', resolved_at = 1 WHERE id = ${sqlLiteral(made.id)}`);
  const again = await deliver('vera@example.com', `t-${TOKEN}@${DOMAIN}`, reply('e2e-reply-2@example.com', 'Still nothing, sorry.'));
  assert.ok(again.status < 300, `delivered: ${again.status} ${again.text}`);
  assert.equal((await ticket(made.code)).status, 'open');

  // A bounce of mail to Vera marks her address.
  const dsn = `From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>
To: t-${TOKEN}@${DOMAIN}
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

Your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; vera@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable
--r--
`;
  const bounced = await deliver('MAILER-DAEMON@mx.example.org', `t-${TOKEN}@${DOMAIN}`, dsn);
  assert.ok(bounced.status < 300, `delivered: ${bounced.status} ${bounced.text}`);
  const marked = await worker.sql('SELECT address, bounced_at FROM email_recipients');
  assert.equal(marked.length, 1);
  assert.equal(marked[0].address, 'vera@example.com');
  assert.ok(marked[0].bounced_at);
  const [{ n: comments2 }] = await worker.sql(`SELECT count(*) AS n FROM ticket_comments WHERE ticket_id = ${sqlLiteral(made.id)}`);
  assert.equal(comments2, 2, 'a bounce is never a reply');

  // An unknown token is refused.
  const unknown = await deliver('vera@example.com', `t-${'9'.repeat(32)}@${DOMAIN}`, reply('e2e-guess@example.com', 'Guess.'));
  assert.ok(unknown.status >= 400, `refused: ${unknown.status} ${unknown.text}`);
});

test('mail to the support address opens an email ticket', async () => {
  await worker.sql("UPDATE sites SET support_local = 'help' WHERE key = 'demo'");
  const raw = `From: "Nina New" <nina@example.net>
To: help@${DOMAIN}
Subject: Wrong size delivered
Message-ID: <e2e-new-1@example.net>
Content-Type: text/plain; charset=utf-8

I ordered an M and got an XL.
-- 
Nina
`;
  const res = await deliver('nina@example.net', `help@${DOMAIN}`, raw);
  assert.ok(res.status < 300, `delivered: ${res.status} ${res.text}`);
  const rows = await worker.sql("SELECT code, source, subject, description, requester_email FROM tickets WHERE source = 'email'");
  assert.equal(rows.length, 1);
  assert.equal(rows[0].subject, 'Wrong size delivered');
  assert.equal(rows[0].description, 'I ordered an M and got an XL.');
  assert.equal(rows[0].requester_email, 'nina@example.net');
  assert.match(worker.log(), /"event":"email".*"outcome":"opened"/);
});
