// Working a ticket in a real browser: Debian's headless Chromium against `wrangler dev` + a
// local D1. An owner moves a ticket through its life, comments (internal and to the customer),
// assigns, labels and snoozes it; a member cannot touch a colleague's ticket; a guest sees no
// controls and its direct POST is refused; another site's operator gets 404. axe on the ticket
// page; screenshots in tests/output/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
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
let member;
let colleague;
let guest;
let stranger;

before(async () => {
  worker = await startWorker({ sites: [{ key: 'shop', name: 'Shop' }, { key: 'other', name: 'Other' }] });
  owner = await addOperator(worker, { site: 'shop', role: 'owner', email: 'olivia@shop.example', name: 'Olivia Owner' });
  member = await addOperator(worker, { site: 'shop', role: 'member', email: 'max@shop.example', name: 'Max Member' });
  colleague = await addOperator(worker, { site: 'shop', role: 'member', email: 'mia@shop.example', name: 'Mia Member' });
  guest = await addOperator(worker, { site: 'shop', role: 'guest', email: 'gus@shop.example', name: 'Gus Guest' });
  stranger = await addOperator(worker, { site: 'other', role: 'owner', email: 'otto@other.example', name: 'Otto Other' });
  for (const [site, subject] of [['shop', 'Charged twice'], ['shop', 'Cannot log in'], ['other', 'Other site secret']]) {
    const res = await fetch(`${worker.baseUrl}/api/v1/sites/${site}/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ subject, description: 'Card ending 42.', requester: { name: 'Vera Visitor', email: 'vera@example.com' } }),
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

/** An axe violation with the elements it names, so a failure says what to fix. */
function describeViolation(v) {
  const where = v.nodes.map((n) => `${n.target.join(' ')} (${n.failureSummary?.split('\n').slice(1).join(' ').trim()})`);
  return `${v.id}: ${v.help} — ${where.join('; ')}`;
}

/** A shop ticket's row, straight from D1. */
async function row(code) {
  const [ticket] = await worker.sql(`SELECT t.* FROM tickets t JOIN sites s ON s.id = t.site_id
    WHERE s.key = 'shop' AND t.code = '${code}'`);
  return ticket;
}

/** Everything written about a shop ticket: its row and how many events, comments, labels. */
async function snapshot(code) {
  const ticket = await row(code);
  const [counts] = await worker.sql(`SELECT
      (SELECT COUNT(*) FROM ticket_events WHERE ticket_id = '${ticket.id}') AS events,
      (SELECT COUNT(*) FROM ticket_comments WHERE ticket_id = '${ticket.id}') AS comments,
      (SELECT COUNT(*) FROM ticket_labels WHERE ticket_id = '${ticket.id}') AS labels`);
  return { ticket, counts };
}

async function openTicket(page, code) {
  await page.goto(`${worker.baseUrl}/app/tickets/${code}`);
  await page.locator('article.ticket').waitFor();
}

/** Clicks a form's button and waits for the 303 back to the ticket to load. */
async function submit(page, button) {
  await Promise.all([page.waitForNavigation(), button.click()]);
}

async function changeStatus(page, to, comment) {
  await page.getByLabel('Move to').selectOption(to);
  if (comment) await page.getByLabel('Comment on the change (optional)').fill(comment);
  await submit(page, page.getByRole('button', { name: 'Change status' }));
  assert.match(page.url(), /\/app\/tickets\/TKT-1$/);
}

/**
 * Posts a form from inside the page, as a browser does (same origin, the session cookie), and
 * returns the response status. A hand-made form, because the page shows none for this action.
 */
async function postFromPage(page, action, fields) {
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate(({ action, fields }) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = action;
      for (const [name, value] of Object.entries(fields)) {
        const input = document.createElement('input');
        input.type = 'hidden';
        input.name = name;
        input.value = value;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, { action, fields }),
  ]);
  return response.status();
}

/**
 * The CSRF token of the page's session, as its forms carry it: SHA-256 of "csrf:" and the
 * session id (ARCHITECTURE.md). Derived, because a guest's page has no form to read it from.
 */
async function csrfOf(page) {
  const session = (await page.context().cookies()).find((c) => c.name.endsWith('tb_session'));
  return createHash('sha256').update(`csrf:${session.value}`).digest('hex');
}

test('an owner works a ticket through its life', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await openTicket(page, 'TKT-1');

  // Only the valid next state is offered.
  const options = await page.getByLabel('Move to').locator('option').allTextContents();
  assert.deepEqual(options, ['Pending']);
  await changeStatus(page, 'pending', 'Looking into the double charge.');
  assert.equal(await page.locator('.meta .badge').first().textContent(), 'Pending');

  // Comments: an internal note and a reply to the customer, unmistakably different.
  await page.getByLabel('Add a comment').fill('Card processor shows two captures.');
  await page.getByLabel(/Internal note/).check();
  await submit(page, page.getByRole('button', { name: 'Add comment' }));
  await page.getByLabel('Add a comment').fill('We have found the second charge and are refunding it.');
  await page.getByLabel(/Reply to customer/).check();
  await submit(page, page.getByRole('button', { name: 'Add comment' }));
  const internal = page.locator('li.comment.internal');
  const reply = page.locator('li.comment.public');
  assert.equal(await internal.count(), 2, 'the status comment and the note');
  assert.match(await internal.last().textContent(), /Internal note · Olivia Owner · .*UTC.*two captures/s);
  assert.match(await reply.textContent(), /Reply to customer · Olivia Owner .*refunding/s);
  const [noteBg, replyBg] = await Promise.all([internal.last(), reply].map((l) => l.evaluate((el) => getComputedStyle(el).backgroundColor)));
  assert.notEqual(noteBg, replyBg, 'internal notes and replies look different');

  // Assign by name, then take it.
  await page.getByLabel('Assignee').selectOption({ label: 'Max Member' });
  await submit(page, page.getByRole('button', { name: 'Assign', exact: true }));
  assert.match(await page.locator('.facts').textContent(), /Assignee\s*Max Member/);
  await submit(page, page.getByRole('button', { name: 'Assign to me' }));
  assert.equal((await row('TKT-1')).assignee_id, owner.id);

  // Labels, created on the fly, and removed again.
  await page.getByLabel('Add a label').fill('Billing');
  await submit(page, page.getByRole('button', { name: 'Add', exact: true }));
  await page.getByLabel('Add a label').fill('refund');
  await submit(page, page.getByRole('button', { name: 'Add', exact: true }));
  assert.deepEqual(await page.locator('.labels .label').allTextContents(), ['billing', 'refund']);
  await submit(page, page.getByRole('button', { name: 'Remove label refund' }));
  assert.deepEqual(await page.locator('.labels .label').allTextContents(), ['billing']);

  // Snooze until tomorrow; then wake it.
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
  await page.getByLabel('Snooze until (UTC)').fill(tomorrow);
  await submit(page, page.getByRole('button', { name: 'Snooze' }));
  assert.match(await page.locator('.meta').textContent(), /Snoozed until/);
  assert.ok((await row('TKT-1')).snoozed_until > Date.now());

  await page.screenshot({ path: join(OUTPUT, 'ticket-work.png'), fullPage: true });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);

  await submit(page, page.getByRole('button', { name: 'Wake now' }));
  assert.equal((await row('TKT-1')).snoozed_until, null);

  // pending → resolved → (reopen) open → pending → resolved → closed, then no way back.
  await changeStatus(page, 'resolved');
  assert.ok((await row('TKT-1')).resolved_at > 0, 'resolved_at stamped');
  assert.deepEqual(await page.getByLabel('Move to').locator('option').allTextContents(), ['Open', 'Closed']);
  await changeStatus(page, 'open', 'Customer says the refund has not arrived.');
  await changeStatus(page, 'pending');
  await changeStatus(page, 'resolved');
  await changeStatus(page, 'closed');
  const closed = await row('TKT-1');
  assert.equal(closed.status, 'closed');
  assert.ok(closed.closed_at >= closed.resolved_at);
  assert.equal(await page.getByLabel('Move to').count(), 0);
  assert.match(await page.locator('.controls').textContent(), /Closed is final/);

  // The timeline has it all: who, what, old → new.
  const timeline = await page.locator('ol.timeline').innerText();
  for (const line of ['Status Open → Pending', 'Status Resolved → Open', 'Status Resolved → Closed',
    'Assignee Unassigned → Max Member', 'Assignee Max Member → Olivia Owner', 'Label added: billing',
    'Label removed: refund', 'Added an internal note', 'Replied to the customer', 'Woken up', 'by Olivia Owner']) {
    assert.ok(timeline.includes(line), `timeline misses "${line}"`);
  }
  await page.screenshot({ path: join(OUTPUT, 'ticket-work-closed.png'), fullPage: true });

  // On a 390 px phone the page fits without sideways scrolling.
  await page.setViewportSize({ width: 390, height: 844 });
  await openTicket(page, 'TKT-1');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide on a 390 px screen`);
  await page.screenshot({ path: join(OUTPUT, 'ticket-work-phone.png'), fullPage: true });
  await page.close();
});

test('a refused transition says why and changes nothing', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  await openTicket(page, 'TKT-2');
  const version = await page.locator('input[name=version]').first().inputValue();
  const before = await snapshot('TKT-2');
  const status = await postFromPage(page, '/app/tickets/TKT-2/status', { csrf: await csrfOf(page), version, status: 'closed' });
  assert.equal(status, 409);
  assert.match(await page.getByRole('alert').textContent(), /cannot move from open to closed; allowed next: pending/);
  assert.deepEqual(await snapshot('TKT-2'), before);
  await page.close();
});

test('a member cannot touch a colleague\'s ticket', async () => {
  await worker.sql(`UPDATE tickets SET assignee_id = '${colleague.id}' WHERE code = 'TKT-2'
    AND site_id = (SELECT id FROM sites WHERE key = 'shop')`);
  const page = await browser.newPage();
  await signIn(page, worker, member);
  await openTicket(page, 'TKT-2');
  assert.equal(await page.locator('.controls').count(), 0);
  assert.match(await page.locator('.notice').textContent(), /assigned to someone else/);
  assert.match(await page.locator('.facts').textContent(), /Mia Member/);
  const before = await snapshot('TKT-2');
  const status = await postFromPage(page, '/app/tickets/TKT-2/priority', { csrf: await csrfOf(page), priority: 'urgent' });
  assert.equal(status, 403);
  assert.deepEqual(await snapshot('TKT-2'), before, 'a refused POST changes nothing');
  await page.close();
});

test('a guest sees no controls, and its direct POSTs are refused', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, guest);
  await openTicket(page, 'TKT-2');
  assert.equal(await page.locator('form[action^="/app/tickets/"]').count(), 0, 'no ticket form at all');
  assert.match(await page.locator('.notice').textContent(), /read-only/);
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);
  const before = await snapshot('TKT-2');
  const csrf = await csrfOf(page);
  for (const [action, fields] of [
    ['status', { status: 'pending' }],
    ['comment', { comment: 'Just a note', visibility: 'internal' }],
    ['assign', { assignee: 'me' }],
    ['delete', { confirm: 'TKT-2' }],
  ]) {
    await openTicket(page, 'TKT-2');
    const status = await postFromPage(page, `/app/tickets/TKT-2/${action}`, { csrf, ...fields });
    assert.equal(status, 403, action);
  }
  assert.deepEqual(await snapshot('TKT-2'), before);
  await page.close();
});

test('another site\'s operator gets 404 for this site\'s ticket', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, stranger);
  const response = await page.goto(`${worker.baseUrl}/app/tickets/TKT-2`);
  assert.equal(response.status(), 404);
  const before = await snapshot('TKT-2');
  const status = await postFromPage(page, '/app/tickets/TKT-2/status', { csrf: await csrfOf(page), status: 'pending' });
  assert.equal(status, 404);
  assert.deepEqual(await snapshot('TKT-2'), before);
  // Its own TKT-1 is its own ticket.
  await openTicket(page, 'TKT-1');
  assert.match(await page.locator('h1').textContent(), /Other site secret/);
  await page.close();
});

test('an operator creates a ticket from the blank form; the API reads it', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, member);
  await page.getByRole('link', { name: 'New ticket' }).click();
  await page.getByLabel('Subject').fill('Phone call: invoice address wrong');
  await page.getByLabel('Description').fill('Customer called at 9:10.');
  await submit(page, page.getByRole('button', { name: 'Create ticket' }));
  assert.match(page.url(), /\/app\/tickets\/TKT-3$/);
  assert.match(await page.locator('.facts').textContent(), /Assignee\s*Max Member/);
  assert.match(await page.locator('ol.timeline').innerText(), /Created via operator by Max Member/);

  const res = await fetch(`${worker.baseUrl}/api/v1/tickets/TKT-3`, { headers: { authorization: `Bearer ${member.token}` } });
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.ticket.source, 'operator');
  assert.deepEqual(doc.ticket.assignee, { id: member.id, name: 'Max Member' });
  await page.close();
});

test('bulk from the list: each ticket through the state machine, the refused one named', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, owner);
  // TKT-1 is closed by now (the first test); TKT-3 is open. Closed tickets are hidden from
  // the list unless included.
  await page.goto(`${worker.baseUrl}/app/tickets?closed=include`);
  await page.getByLabel('Select TKT-1', { exact: true }).check();
  await page.getByLabel('Select TKT-3', { exact: true }).check();
  await page.getByLabel('With the selected tickets').selectOption('status:pending');
  await submit(page, page.getByRole('button', { name: 'Apply to selected' }));
  const summary = await page.getByRole('status').textContent();
  assert.equal(summary, '1 changed, 0 already so, 1 refused.');
  assert.match(await page.locator('.bulk-results').innerText(), /TKT-1: refused — A ticket cannot move from closed to pending/);
  assert.equal((await row('TKT-3')).status, 'pending');
  assert.equal((await row('TKT-1')).status, 'closed');
  await page.screenshot({ path: join(OUTPUT, 'ticket-work-bulk.png'), fullPage: true });
  await page.close();
});

test('concurrent edits on D1: the losers are refused as stale, and state and events still match', async () => {
  // Twelve comments at once through the JSON API, none naming a version: each request reads
  // the ticket, then writes one batch led by the version-guarded event. On D1 the batches run
  // one after another; a batch whose version moved fails its guard and rolls back whole.
  const auth = { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' };
  const code = 'TKT-3';
  const before = await snapshot(code);
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    fetch(`${worker.baseUrl}/api/v1/tickets/${code}/comment`, {
      method: 'POST', headers: auth, body: JSON.stringify({ comment: `Note ${i}` }),
    }).then(async (res) => ({ status: res.status, body: await res.json() }))));
  const won = answers.filter((a) => a.status === 200);
  const lost = answers.filter((a) => a.status !== 200);
  assert.ok(won.length >= 1, 'at least one comment went through');
  for (const a of lost) assert.deepEqual([a.status, a.body.error.code], [409, 'stale_edit']);
  const after = await snapshot(code);
  assert.equal(after.counts.comments - before.counts.comments, won.length);
  assert.equal(after.counts.events - before.counts.events, won.length, 'one event per comment, none without');
});

test('the blank form chooses priority and assignee; the ticket page shows both', async () => {
  const page = await browser.newPage();
  await signIn(page, worker, member);
  await page.goto(`${worker.baseUrl}/app/tickets/new`);
  // Labelled pickers, Normal and "me" unless changed; a guest cannot hold a ticket.
  assert.equal(await page.getByLabel('Priority').inputValue(), 'normal');
  assert.equal(await page.getByLabel('Assignee').inputValue(), 'me');
  const offered = await page.getByLabel('Assignee').locator('option').allTextContents();
  assert.deepEqual(offered.sort(), ['Me (Max Member)', 'Mia Member', 'Olivia Owner', 'Unassigned'].sort());
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map(describeViolation), []);
  await page.screenshot({ path: join(OUTPUT, 'ticket-work-new-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(OUTPUT, 'ticket-work-new-390.png'), fullPage: true });

  await page.getByLabel('Subject').fill('Phone call: refund promised');
  await page.getByLabel('Priority').selectOption({ label: 'High' });
  await page.getByLabel('Assignee').selectOption({ label: 'Mia Member' });
  await submit(page, page.getByRole('button', { name: 'Create ticket' }));
  const code = page.url().match(/\/app\/tickets\/(TKT-\d+)$/)?.[1];
  assert.ok(code, page.url());
  assert.match(await page.locator('.facts').textContent(), /Assignee\s*Mia Member/);
  assert.equal((await page.locator('header .badge.priority-high').textContent()).trim(), 'High');
  const ticket = await row(code);
  assert.deepEqual([ticket.priority, ticket.assignee_id], ['high', colleague.id]);
  await page.close();
});
