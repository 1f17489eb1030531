// A local double of Zendesk for the end-to-end sync tests, on 127.0.0.1: it speaks the Support
// API v2's wire format for what the connector uses, and sends Zendesk's signed event-subscription
// webhooks the other way. The shapes are those of tests/fixtures/sync/zendesk/ (taken from
// Zendesk's public documentation; its README names the page of each), so the connector's host
// tests and this double agree on one wire format.
//
//   const zd = await startZendesk();                      // zd.baseUrl: http://127.0.0.1:PORT
//   … connect with base URL zd.baseUrl, e-mail zd.email, API token zd.token …
//   zd.requests                  // every request: { method, path, query, headers, json, at, status }
//   zd.tickets.get(35436)        // the tickets it holds, with their comments
//   zd.failNext(1, { status: 429, retryAfter: 2 });         // scripted faults, in order
//   const hook = zd.agentReply(35436, 'On its way.');       // changes the ticket, returns the payload
//   await zd.sendWebhook(`${worker.baseUrl}/api/v1/sync/1/webhook`, SECRET, hook);
//   await zd.stop();
//
// What it answers (Zendesk's documented behaviour, as far as the connector needs it):
// - Auth on every API call: Basic base64("{email}/token:{token}") or `Bearer {token}`; anything
//   else is 401 `{"error":"Couldn't authenticate you"}`. `GET /api/v2/users/me.json` without any
//   Authorization header answers the anonymous user (200, `id` null), as Zendesk does.
// - `GET /api/v2/users/me.json` → `{"user":{…}}` (the API user: `zd.me`).
// - `POST /api/v2/tickets.json` → 201 `{"ticket","audit"}`; the requester is matched (or made)
//   by e-mail. `Idempotency-Key`: the same key with the same body answers the first answer again
//   with `x-idempotency-lookup: hit` (the first is `miss`) and creates nothing; the same key with
//   another body is 400 `IdempotentRequestError`.
// - `PUT /api/v2/tickets/{id}.json` with any of `status`, `priority`, `comment {body, public}` →
//   200 `{"ticket","audit"}`, the audit's events a `Comment` (its `id` is the comment's) and a
//   `Change` per field; a closed ticket refuses updates (422 `RecordInvalid`).
// - `GET /api/v2/tickets/{id}.json` → `{"ticket"}`; `GET /api/v2/tickets.json?external_id=` →
//   `{"tickets":[…]}`; an unknown ticket is 404 `RecordNotFound`.
// - A bad status or priority, or a create without a comment body, is 422 `RecordInvalid`.
// - Faults (`failNext`) answer before anything else is looked at, `Retry-After` included.

import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

/** The API user's e-mail and token the double accepts unless told otherwise. */
export const EMAIL = 'sync@acme.example';
export const TOKEN = 'zd-e2e-api-token';

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

/** Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body)). */
export function sign(secret, timestamp, body) {
  return createHmac('sha256', secret).update(timestamp + body).digest('base64');
}

/** A webhook timestamp as Zendesk sends it (ISO 8601, whole seconds, UTC). */
export function webhookTimestamp(date = new Date()) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** REST timestamps: ISO 8601 to the second. */
const restTime = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Event times in webhook payloads carry nanoseconds ("2026-12-07T21:12:30.123456789Z"). */
const eventTime = (ms) => new Date(ms).toISOString().replace(/Z$/, '000000Z');

/** A Zendesk error body. */
const error = (name, description, details) =>
  (details ? { error: name, description, details } : { error: name, description });

const recordInvalid = (field, description) =>
  error('RecordInvalid', 'Record validation errors', { [field]: [{ description, error: 'InvalidValue' }] });

/**
 * The event-subscription envelope (`type`, `id`, `time`, `subject`, `detail`, `event`) for a
 * ticket the double holds: ids as strings, status and priority in capitals, as Zendesk's ticket
 * events send them.
 */
export function ticketEvent(ticket, type, event, { actorId, at = Date.now(), id = randomUUID() } = {}) {
  return {
    account_id: 22129848,
    detail: {
      actor_id: String(actorId ?? ticket.submitter_id),
      assignee_id: ticket.assignee_id == null ? null : String(ticket.assignee_id),
      brand_id: String(ticket.brand_id),
      created_at: ticket.created_at,
      custom_status: String(ticket.custom_status_id),
      description: ticket.description,
      external_id: ticket.external_id,
      form_id: String(ticket.ticket_form_id),
      group_id: String(ticket.group_id),
      id: String(ticket.id),
      is_public: true,
      organization_id: null,
      priority: ticket.priority == null ? null : ticket.priority.toUpperCase(),
      requester_id: String(ticket.requester_id),
      status: ticket.deleted ? 'DELETED' : ticket.status.toUpperCase(),
      subject: ticket.subject,
      submitter_id: String(ticket.submitter_id),
      tags: [...ticket.tags],
      type: null,
      updated_at: ticket.updated_at,
      via: { channel: 'web_service' },
    },
    event,
    id,
    subject: `zen:ticket:${ticket.id}`,
    time: eventTime(at),
    type: `zen:event-type:${type}`,
    zendesk_event_version: '2022-11-06',
  };
}

/** `ticket.comment_added` for `comment` (`{ id, body, public, author: { id, name, is_staff } }`). */
export function commentAdded(ticket, comment, options = {}) {
  return ticketEvent(ticket, 'ticket.comment_added', {
    comment: {
      author: { id: String(comment.author.id), is_staff: comment.author.is_staff, name: comment.author.name },
      body: comment.body,
      id: String(comment.id),
      is_public: comment.public,
    },
  }, { actorId: comment.author.id, ...options });
}

/** `ticket.status_changed` from `previous` to the ticket's status. */
export function statusChanged(ticket, previous, options = {}) {
  return ticketEvent(ticket, 'ticket.status_changed',
    { current: ticket.status.toUpperCase(), previous: previous.toUpperCase() }, options);
}

/** `ticket.priority_changed` from `previous` to the ticket's priority. */
export function priorityChanged(ticket, previous, options = {}) {
  const up = (p) => (p == null ? null : p.toUpperCase());
  return ticketEvent(ticket, 'ticket.priority_changed',
    { current: up(ticket.priority), previous: up(previous) }, options);
}

/** `ticket.soft_deleted` (its event object is empty). */
export function softDeleted(ticket, options = {}) {
  return ticketEvent(ticket, 'ticket.soft_deleted', {}, options);
}

/**
 * Starts the double. `email`/`token` are the API token credentials it accepts, `bearer` an OAuth
 * access token it accepts too (none by default).
 */
export async function startZendesk({ email = EMAIL, token = TOKEN, bearer = null } = {}) {
  let nextUserId = 8447388090777;
  let nextTicketId = 35436;
  let nextEventId = 7723001;
  const newEventId = () => nextEventId++;

  const me = { id: 8447388090494, name: 'Ticketbooth Sync', email, role: 'agent' };
  /** Another agent, who answers in Zendesk (the webhooks' author unless told otherwise). */
  const agent = { id: 8447388090495, name: 'Sam Agent', email: 'sam@acme.example', role: 'agent' };
  const users = new Map([[me.id, me], [agent.id, agent]]);
  const tickets = new Map();
  const requests = [];
  const faults = [];
  const idempotent = new Map(); // key -> { body, status, answer }

  let baseUrl = '';

  const userJson = (u) => ({
    id: u.id,
    url: `${baseUrl}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email,
    created_at: '2026-11-02T09:14:03Z',
    updated_at: '2026-12-07T20:41:55Z',
    time_zone: 'Europe/Amsterdam',
    iana_time_zone: 'Europe/Amsterdam',
    locale: 'en-US',
    locale_id: 1,
    organization_id: null,
    role: u.role,
    verified: true,
    active: true,
    suspended: false,
    restricted_agent: false,
    default_group_id: u.role === 'agent' ? 8447320466430 : null,
    tags: [],
    user_fields: {},
  });

  const ticketJson = (t) => {
    const { comments, deleted, ...rest } = t;
    return { url: `${baseUrl}/api/v2/tickets/${t.id}.json`, ...rest };
  };

  const requester = ({ name, email: address } = {}) => {
    const found = [...users.values()].find((u) => address && u.email === address.toLowerCase());
    if (found) return found;
    const user = { id: nextUserId++, name: name || address, email: address?.toLowerCase() ?? null, role: 'end-user' };
    users.set(user.id, user);
    return user;
  };

  /** The credentials of a request: 'ok', 'none' (no header at all) or 'bad'. */
  const authOf = (headers) => {
    const value = headers.authorization;
    if (!value) return 'none';
    if (bearer && value === `Bearer ${bearer}`) return 'ok';
    if (value.startsWith('Basic ')) {
      const decoded = Buffer.from(value.slice(6), 'base64').toString('utf8');
      if (decoded === `${email}/token:${token}`) return 'ok';
    }
    return 'bad';
  };

  /** Applies one PUT's changes to `t`; returns the audit's events, or an error answer. */
  const update = (t, changes, now) => {
    if (t.status === 'closed') return { status: 422, body: recordInvalid('status', 'Status: closed prevents ticket update') };
    if (changes.status !== undefined && !STATUSES.slice(1).includes(changes.status)) {
      return { status: 422, body: recordInvalid('status', `Status: ${changes.status} is not a valid value`) };
    }
    if (changes.priority !== undefined && changes.priority !== null && !PRIORITIES.includes(changes.priority)) {
      return { status: 422, body: recordInvalid('priority', `Priority: ${changes.priority} is not a valid value`) };
    }
    const events = [];
    if (changes.comment) {
      const body = changes.comment.body ?? changes.comment.html_body ?? '';
      if (!body.trim()) return { status: 422, body: recordInvalid('comment', 'Comment: cannot be blank') };
      const comment = { id: newEventId(), author_id: me.id, body, public: changes.comment.public !== false, created_at: restTime(now) };
      t.comments.push(comment);
      events.push({
        id: comment.id, type: 'Comment', author_id: me.id, body,
        html_body: `<div class="zd-comment" dir="auto"><p dir="auto">${escapeHtml(body)}</p></div>`,
        plain_body: body, public: comment.public, attachments: [],
      });
    }
    for (const field of ['status', 'priority']) {
      if (changes[field] !== undefined && changes[field] !== t[field]) {
        events.push({ id: newEventId(), type: 'Change', value: changes[field], field_name: field, previous_value: t[field] });
        t[field] = changes[field];
      }
    }
    t.updated_at = restTime(now);
    return { events };
  };

  const audit = (t, events, now) => {
    const id = newEventId();
    return {
      id,
      ticket_id: t.id,
      created_at: restTime(now),
      author_id: me.id,
      metadata: { system: {}, custom: {} },
      events: events.map((e) => (e.type === 'Comment' ? { ...e, audit_id: id } : e)),
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
    };
  };

  /** One API request: `{ status, body, headers }`. */
  const answer = (req, path, query, json, raw) => {
    const now = Date.now();
    const auth = authOf(req.headers);
    if (path === '/api/v2/users/me.json' && req.method === 'GET') {
      if (auth === 'none') {
        return { status: 200, body: { user: { ...userJson({ id: null, name: 'Anonymous user', email: 'invalid@example.com', role: 'end-user' }), id: null, url: null, created_at: null, updated_at: null } } };
      }
      if (auth !== 'ok') return { status: 401, body: { error: "Couldn't authenticate you" } };
      return { status: 200, body: { user: userJson(me) } };
    }
    if (auth !== 'ok') return { status: 401, body: { error: "Couldn't authenticate you" } };

    if (path === '/api/v2/tickets.json' && req.method === 'POST') {
      const key = req.headers['idempotency-key'];
      if (key && idempotent.has(key)) {
        const first = idempotent.get(key);
        if (first.body !== raw) {
          return { status: 400, body: error('IdempotentRequestError', 'Request parameters are different from original request') };
        }
        return { status: first.status, body: first.answer, headers: { 'x-idempotency-lookup': 'hit' } };
      }
      const input = json?.ticket;
      const body = input?.comment?.body ?? input?.description;
      if (!input || typeof body !== 'string' || !body.trim()) {
        return { status: 422, body: recordInvalid('description', 'Description: cannot be blank') };
      }
      const status = input.status ?? 'new';
      if (!STATUSES.includes(status)) return { status: 422, body: recordInvalid('status', `Status: ${status} is not a valid value`) };
      const priority = input.priority ?? null;
      if (priority !== null && !PRIORITIES.includes(priority)) {
        return { status: 422, body: recordInvalid('priority', `Priority: ${priority} is not a valid value`) };
      }
      const who = input.requester ? requester(input.requester) : users.get(input.requester_id) ?? me;
      const t = {
        id: nextTicketId++,
        external_id: input.external_id == null ? null : String(input.external_id),
        via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
        created_at: restTime(now),
        updated_at: restTime(now),
        type: null,
        subject: input.subject ?? body.slice(0, 80),
        raw_subject: input.subject ?? body.slice(0, 80),
        description: body,
        priority,
        status,
        recipient: null,
        requester_id: who.id,
        submitter_id: me.id,
        assignee_id: null,
        organization_id: null,
        group_id: 8447320466430,
        collaborator_ids: [],
        follower_ids: [],
        email_cc_ids: [],
        has_incidents: false,
        is_public: input.comment?.public !== false,
        due_at: null,
        tags: Array.isArray(input.tags) ? [...input.tags] : [],
        custom_fields: [],
        satisfaction_rating: null,
        sharing_agreement_ids: [],
        custom_status_id: 8447320465790,
        ticket_form_id: 8646151517822,
        brand_id: 8447346621310,
        allow_channelback: false,
        allow_attachments: true,
        from_messaging_channel: false,
        comments: [],
        deleted: false,
      };
      const first = { id: newEventId(), author_id: who.id, body, public: t.is_public, created_at: t.created_at };
      t.comments.push(first);
      tickets.set(t.id, t);
      const events = [
        { id: first.id, type: 'Comment', author_id: who.id, body, public: first.public, attachments: [] },
        { id: newEventId(), type: 'Create', value: status, field_name: 'status' },
        ...(priority ? [{ id: newEventId(), type: 'Create', value: priority, field_name: 'priority' }] : []),
      ];
      const created = { ticket: ticketJson(t), audit: audit(t, events, now) };
      if (key) idempotent.set(key, { body: raw, status: 201, answer: created });
      return { status: 201, body: created, headers: key ? { 'x-idempotency-lookup': 'miss' } : {} };
    }

    if (path === '/api/v2/tickets.json' && req.method === 'GET') {
      const wanted = query.get('external_id');
      const found = [...tickets.values()].filter((t) => !t.deleted && (wanted === null || t.external_id === wanted));
      return { status: 200, body: { tickets: found.map(ticketJson), next_page: null, previous_page: null, count: found.length } };
    }

    const one = path.match(/^\/api\/v2\/tickets\/(\d+)\.json$/);
    if (one) {
      const t = tickets.get(Number(one[1]));
      if (!t || t.deleted) return { status: 404, body: error('RecordNotFound', 'Not found') };
      if (req.method === 'GET') return { status: 200, body: { ticket: ticketJson(t) } };
      if (req.method === 'PUT') {
        if (!json?.ticket) return { status: 400, body: error('InvalidEndpoint', 'Ticket is required') };
        const done = update(t, json.ticket, now);
        if (done.status) return done;
        return { status: 200, body: { ticket: ticketJson(t), audit: audit(t, done.events, now) } };
      }
    }
    return { status: 404, body: error('InvalidEndpoint', 'Not found') };
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      let json = null;
      try {
        json = raw ? JSON.parse(raw) : null;
      } catch {
        json = undefined;
      }
      const record = { method: req.method, path: url.pathname, query: url.search, headers: req.headers, json, raw, at: Date.now() };
      requests.push(record);
      let reply;
      const fault = faults.findIndex((f) => f.remaining > 0 && (!f.when || f.when(record)));
      if (fault >= 0) {
        const f = faults[fault];
        f.remaining -= 1;
        if (f.remaining === 0) faults.splice(fault, 1);
        const headers = f.retryAfter == null ? {} : { 'retry-after': String(f.retryAfter) };
        const body = f.body ?? (f.status === 429
          ? error('APIRateLimitExceeded', 'Number of allowed API requests per minute exceeded')
          : error('ServiceUnavailable', 'Scripted fault'));
        reply = { status: f.status, body, headers };
      } else if (json === undefined) {
        reply = { status: 400, body: error('InvalidJSON', 'The request body is not valid JSON') };
      } else {
        reply = answer(req, url.pathname, url.searchParams, json, raw);
      }
      record.status = reply.status;
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...(reply.headers ?? {}) });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  baseUrl = `http://127.0.0.1:${port}`;

  const ticket = (id) => {
    const t = tickets.get(Number(id));
    if (!t) throw new Error(`the double has no ticket ${id}`);
    return t;
  };

  return {
    baseUrl,
    port,
    email,
    token,
    me,
    agent,
    users,
    tickets,
    requests,
    /** The API requests (not webhooks, which the double sends) matching method and path. */
    calls: (method, path) => requests.filter((r) => r.method === method && (path === undefined
      || (path instanceof RegExp ? path.test(r.path) : r.path === path))),
    /**
     * The next `n` requests (those `when(request)` accepts, if given) are answered `status` with
     * `body` (Zendesk's error shape by default) and, if given, `Retry-After: retryAfter`.
     * `n` may be `Infinity` (until `clearFaults`).
     */
    failNext(n, { status, retryAfter, body, when } = {}) {
      faults.push({ remaining: n, status, retryAfter, body, when });
    },
    clearFaults() {
      faults.length = 0;
    },
    /** An agent's comment in Zendesk (public by default): the ticket gets it; the webhook payload. */
    agentReply(id, body, { isPublic = true, author = agent } = {}) {
      const t = ticket(id);
      const comment = { id: newEventId(), author_id: author.id, body, public: isPublic, created_at: restTime(Date.now()) };
      t.comments.push(comment);
      t.updated_at = comment.created_at;
      return commentAdded(t, { ...comment, author: { id: author.id, name: author.name, is_staff: author.role !== 'end-user' } });
    },
    /** The requester's reply in Zendesk (by e-mail there): the webhook payload. */
    requesterReply(id, body) {
      const t = ticket(id);
      const who = users.get(t.requester_id);
      return this.agentReply(id, body, { author: who });
    },
    /**
     * The webhook Zendesk sends for a comment the connector itself added (its `Comment` audit
     * event id, authored by the API user): what a pull must recognise as our own push.
     */
    echoOf(id, commentId) {
      const t = ticket(id);
      const comment = t.comments.find((c) => c.id === Number(commentId));
      if (!comment) throw new Error(`ticket ${id} has no comment ${commentId}`);
      const author = users.get(comment.author_id);
      return commentAdded(t, { ...comment, author: { id: author.id, name: author.name, is_staff: author.role !== 'end-user' } }, { actorId: author.id });
    },
    /** An agent sets the status in Zendesk: the webhook payload. */
    setStatus(id, status) {
      if (!STATUSES.includes(status)) throw new Error(`not a Zendesk status: ${status}`);
      const t = ticket(id);
      const previous = t.status;
      t.status = status;
      t.updated_at = restTime(Date.now());
      return statusChanged(t, previous, { actorId: agent.id });
    },
    /** An agent sets the priority in Zendesk: the webhook payload. */
    setPriority(id, priority) {
      const t = ticket(id);
      const previous = t.priority;
      t.priority = priority;
      t.updated_at = restTime(Date.now());
      return priorityChanged(t, previous, { actorId: agent.id });
    },
    /** An agent deletes the ticket in Zendesk (it goes to deleted tickets): the webhook payload. */
    softDelete(id) {
      const t = ticket(id);
      t.deleted = true;
      t.updated_at = restTime(Date.now());
      return softDeleted(t, { actorId: agent.id });
    },
    /**
     * Sends `payload` (an object, or a raw string body) to `url` as a Zendesk webhook, signed with
     * `secret`. Options: `timestamp` (a string; now by default), `signature` (sent instead of the
     * right one), `unsigned` (no signature headers at all). Resolves with `{ status, json, text }`.
     */
    async sendWebhook(url, secret, payload, { timestamp = webhookTimestamp(), signature, unsigned = false } = {}) {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const headers = {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Zendesk Webhook',
        'x-zendesk-account-id': '22129848',
        'x-zendesk-webhook-id': '01JZENDESKWEBHOOK0000000000',
        'x-zendesk-webhook-invocation-id': String(Math.floor(Math.random() * 1e12)),
      };
      if (!unsigned) {
        headers['x-zendesk-webhook-signature'] = signature ?? sign(secret, timestamp, body);
        headers['x-zendesk-webhook-signature-timestamp'] = timestamp;
      }
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // Not JSON: the caller reads `text`.
      }
      return { status: res.status, json, text };
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}
