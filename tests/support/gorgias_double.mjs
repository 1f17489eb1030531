// A stand-in for a Gorgias account on 127.0.0.1, speaking Gorgias's REST API wire format as
// the connector (`functions/src/integrations/sync/gorgias.rs`) uses it and its fixtures
// (`tests/fixtures/sync/gorgias/`) show it: HTTP Basic with the API user's e-mail and API key
// (401 otherwise), `GET /api/users/0` (the current user), `POST /api/tickets` (201, the ticket
// with its messages; a ticket needs a first message whose sender has an id or an e-mail),
// `GET /api/tickets?external_id=…` (the list envelope), `GET`/`PUT /api/tickets/{id}`,
// `POST /api/tickets/{id}/messages` (201, the message with its `ticket_id`), 404 for a ticket
// it does not have. Datetimes as Gorgias writes them: UTC without an offset, microseconds.
//
// Its webhooks are what Gorgias's HTTP integration sends with the connector's HOOK_TEMPLATE as
// its body: every value a rendered template string (`None` for a null, `True`/`False`, empty for
// the `message` fields on a ticket trigger), and the secret in `X-Ticketbooth-Webhook-Secret`.
//
//   const gorgias = await startGorgias();
//   // connect with base_url = gorgias.baseUrl, auth_user = gorgias.user, credential = gorgias.key
//   gorgias.rateLimit(1, 2);                 // the next answer: 429 with Retry-After: 2
//   gorgias.fail(2, 503);                    // the next two: 503
//   gorgias.fail(1, 400, 'Invalid request.') // the next: 400 with Gorgias's error body
//   … gorgias.record.filter((r) => r.method === 'POST') …
//   const body = gorgias.agentReply(ticket.id, 'Refund sent.');   // a message in the double
//   await gorgias.sendHook(`${origin}/api/v1/sync/${connectionId}/webhook`, secret, body);
//   await gorgias.stop();

import { createServer } from 'node:http';

/** The header the admin adds to the HTTP integration (the connector's `WEBHOOK_SECRET_HEADER`). */
export const SECRET_HEADER = 'X-Ticketbooth-Webhook-Secret';

const STATUSES = ['open', 'closed'];
const PRIORITIES = ['low', 'normal', 'high', 'critical'];

let lastMicros = 0;

/**
 * Now as Gorgias writes a datetime: `2026-12-07T20:00:00.123456` (UTC, no offset). Strictly
 * increasing, as Gorgias's microseconds practically are: two changes never share one (the
 * connector's event ids for a ticket's state name its `updated_datetime`).
 */
export function gorgiasNow() {
  lastMicros = Math.max(lastMicros + 1, Date.now() * 1000);
  const ms = Math.floor(lastMicros / 1000);
  const micros = String(lastMicros % 1000).padStart(3, '0');
  return new Date(ms).toISOString().replace('Z', micros);
}

/** A value as Gorgias's template prints it (Jinja over Python values). */
function rendered(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  return String(value);
}

/** The body HOOK_TEMPLATE renders to for `ticket` and, on a message trigger, `message`. */
export function hookBody(ticket, message = null) {
  const m = (f) => (message ? rendered(f(message)) : '');
  return {
    ticket_id: rendered(ticket.id),
    external_id: rendered(ticket.external_id),
    status: rendered(ticket.status),
    priority: rendered(ticket.priority),
    updated_datetime: rendered(ticket.updated_datetime),
    trashed_datetime: rendered(ticket.trashed_datetime),
    message_id: m((x) => x.id),
    message_external_id: m((x) => x.external_id),
    message_channel: m((x) => x.channel),
    message_public: m((x) => x.public),
    message_from_agent: m((x) => x.from_agent),
    message_sender_id: m((x) => x.sender?.id),
    message_sender_name: m((x) => x.sender?.name),
    message_body_text: m((x) => x.body_text),
    message_created_datetime: m((x) => x.created_datetime),
  };
}

/** POSTs a webhook `body` to `url` as Gorgias's HTTP integration does; `secret` null sends no header. */
export async function sendHook(url, secret, body) {
  const headers = { 'content-type': 'application/json' };
  if (secret !== null && secret !== undefined) headers[SECRET_HEADER] = secret;
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON: the text says why */ }
  return { status: res.status, json, text };
}

export async function startGorgias({
  user = 'steve@acme.example',
  key = 'gorgias-api-key',
  userId = 3924,
  userName = 'Steve Frazelli',
} = {}) {
  const tickets = new Map(); // id -> ticket (with its messages)
  const customers = new Map(); // e-mail -> customer
  const record = [];
  const faults = []; // scripted answers served before any route
  let nextId = 100;
  const agent = { id: userId, email: user, name: userName, firstname: userName.split(' ')[0], lastname: userName.split(' ').slice(1).join(' ') };
  const expectedAuth = `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;

  const customerFor = (person) => {
    if (!person || (!person.email && !person.id)) return null;
    if (person.id) return [...customers.values()].find((c) => c.id === person.id) ?? null;
    if (!customers.has(person.email)) {
      customers.set(person.email, { id: nextId++, email: person.email, name: person.name ?? person.email });
    }
    return customers.get(person.email);
  };

  const senderFor = (sender, fromAgent) => {
    if (!sender || (!sender.id && !sender.email)) return null;
    if (fromAgent) {
      return sender.id === userId || sender.email === user ? { id: agent.id, email: agent.email, name: agent.name } : null;
    }
    return customerFor(sender);
  };

  /** A message as Gorgias stores it; `null` when it would be refused. */
  const messageFrom = (ticketId, input) => {
    if (typeof input?.from_agent !== 'boolean' || typeof input.channel !== 'string') return null;
    const sender = senderFor(input.sender, input.from_agent);
    if (!sender) return null;
    const internal = input.channel === 'internal-note';
    return {
      id: nextId++,
      uri: `/api/tickets/${ticketId}/messages/`,
      message_id: null,
      ticket_id: ticketId,
      external_id: input.external_id ?? null,
      public: !internal,
      channel: input.channel,
      via: input.via ?? 'api',
      sender,
      receiver: null,
      from_agent: input.from_agent,
      subject: input.subject ?? null,
      body_text: input.body_text ?? null,
      body_html: input.body_html ?? null,
      attachments: [],
      created_datetime: gorgiasNow(),
      sent_datetime: null,
      failed_datetime: null,
    };
  };

  const answer = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
    record.at(-1).status = status;
  };
  const error = (res, status, msg, data) => answer(res, status, { error: { msg, ...(data ? { data } : {}) } });

  const route = (req, res, url, body) => {
    const path = url.pathname.replace(/\/$/, '');
    const ticketPath = path.match(/^\/api\/tickets\/(\d+)$/);
    const messagesPath = path.match(/^\/api\/tickets\/(\d+)\/messages$/);
    if (req.method === 'GET' && path === '/api/users/0') return answer(res, 200, { ...agent, active: true, role: { name: 'admin' } });
    if (req.method === 'POST' && path === '/api/tickets') {
      if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
        return error(res, 400, 'Invalid request.', { messages: ['A ticket needs at least one message.'] });
      }
      if (body.status !== undefined && !STATUSES.includes(body.status)) return error(res, 400, 'Invalid request.', { status: ['Unknown status.'] });
      if (body.priority !== undefined && !PRIORITIES.includes(body.priority)) return error(res, 400, 'Invalid request.', { priority: ['Unknown priority.'] });
      const id = nextId++;
      const messages = body.messages.map((m) => messageFrom(id, m));
      if (messages.some((m) => m === null)) {
        return error(res, 400, 'Invalid request.', { messages: { 0: { sender: ['Sender must have an id or an email.'] } } });
      }
      const now = gorgiasNow();
      const ticket = {
        id,
        uri: `/api/tickets/${id}/`,
        external_id: body.external_id ?? null,
        status: body.status ?? 'open',
        priority: body.priority ?? 'normal',
        channel: body.channel ?? 'api',
        via: body.via ?? 'api',
        from_agent: body.from_agent ?? false,
        spam: false,
        customer: customerFor(body.customer) ?? messages[0].sender,
        assignee_user: null,
        assignee_team: null,
        subject: body.subject ?? null,
        tags: (body.tags ?? []).map((t) => ({ id: nextId++, name: t.name, uri: null, decoration: null })),
        messages,
        created_datetime: now,
        updated_datetime: now,
        closed_datetime: body.status === 'closed' ? now : null,
        trashed_datetime: null,
      };
      tickets.set(id, ticket);
      return answer(res, 201, ticket);
    }
    if (req.method === 'GET' && path === '/api/tickets') {
      const externalId = url.searchParams.get('external_id');
      const data = [...tickets.values()].filter((t) => externalId === null || t.external_id === externalId);
      return answer(res, 200, {
        object: 'list',
        uri: `${url.pathname}${url.search}`,
        data: data.map(({ messages, ...t }) => t),
        meta: { prev_cursor: null, next_cursor: null },
      });
    }
    if (ticketPath) {
      const ticket = tickets.get(Number(ticketPath[1]));
      if (!ticket) return error(res, 404, 'Not found.');
      if (req.method === 'GET') return answer(res, 200, ticket);
      if (req.method === 'PUT') {
        if (!body || typeof body !== 'object') return error(res, 400, 'Invalid request.');
        if (body.status !== undefined && !STATUSES.includes(body.status)) return error(res, 400, 'Invalid request.', { status: ['Unknown status.'] });
        if (body.priority !== undefined && !PRIORITIES.includes(body.priority)) return error(res, 400, 'Invalid request.', { priority: ['Unknown priority.'] });
        if (body.status !== undefined) {
          ticket.status = body.status;
          ticket.closed_datetime = body.status === 'closed' ? gorgiasNow() : null;
        }
        if (body.priority !== undefined) ticket.priority = body.priority;
        ticket.updated_datetime = gorgiasNow();
        return answer(res, 200, ticket);
      }
    }
    if (messagesPath && req.method === 'POST') {
      const ticket = tickets.get(Number(messagesPath[1]));
      if (!ticket) return error(res, 404, 'Not found.');
      const message = messageFrom(ticket.id, body);
      if (!message) return error(res, 400, 'Invalid request.', { sender: ['Sender must have an id or an email.'] });
      ticket.messages.push(message);
      ticket.updated_datetime = gorgiasNow();
      return answer(res, 201, message);
    }
    return error(res, 404, `Unknown route ${req.method} ${path}`);
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      let body = null;
      try { body = raw ? JSON.parse(raw) : null; } catch { body = undefined; }
      record.push({ method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, status: null });
      const fault = faults.shift();
      if (fault) {
        return answer(res, fault.status, fault.body, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      }
      if (req.headers.authorization !== expectedAuth) return error(res, 401, 'Unauthorized.');
      if (body === undefined) return error(res, 400, 'The body is not JSON.');
      route(req, res, url, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const ticket = (id) => {
    const t = tickets.get(Number(id));
    if (!t) throw new Error(`the Gorgias double has no ticket ${id}`);
    return t;
  };
  /** Adds a message to ticket `id` as Gorgias would store it, and returns its webhook body. */
  const addMessage = (id, fields) => {
    const t = ticket(id);
    const message = { id: nextId++, ticket_id: t.id, external_id: null, attachments: [], created_datetime: gorgiasNow(), ...fields };
    t.messages.push(message);
    t.updated_datetime = message.created_datetime;
    return hookBody(t, message);
  };

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    user,
    key,
    userId,
    tickets,
    record,
    /** The next `count` answers are `status` with Gorgias's error body (before auth or routing). */
    fail(count, status, msg = 'Internal error.') {
      for (let i = 0; i < count; i++) faults.push({ status, body: { error: { msg } } });
    },
    /** The next `count` answers are 429 with `Retry-After: seconds`. */
    rateLimit(count, seconds) {
      for (let i = 0; i < count; i++) faults.push({ status: 429, retryAfter: seconds, body: { error: { msg: 'Too many requests.' } } });
    },
    /** The ticket we pushed for our ticket id `ourId` (its `external_id`), or undefined. */
    byExternalId: (ourId) => [...tickets.values()].find((t) => t.external_id === ourId),
    /** An agent's reply (public, or an internal note with `{ internal: true }`); the hook body. */
    agentReply(id, text, { internal = false, name = 'Maria Lopez', senderId = userId + 1 } = {}) {
      return addMessage(id, {
        public: !internal, channel: internal ? 'internal-note' : 'email', via: 'helpdesk', from_agent: true,
        sender: { id: senderId, email: 'maria@acme.example', name }, body_text: text,
      });
    },
    /** The customer's reply by e-mail; the hook body. */
    customerReply(id, text) {
      const t = ticket(id);
      return addMessage(id, {
        public: true, channel: 'email', via: 'email', from_agent: false,
        sender: { id: t.customer?.id ?? null, email: t.customer?.email ?? null, name: t.customer?.name ?? 'Customer' }, body_text: text,
      });
    },
    /** An agent sets the status (`open`/`closed`) and/or priority there; the ticket trigger's body. */
    update(id, { status, priority } = {}) {
      const t = ticket(id);
      if (status !== undefined) { t.status = status; t.closed_datetime = status === 'closed' ? gorgiasNow() : null; }
      if (priority !== undefined) t.priority = priority;
      t.updated_datetime = gorgiasNow();
      return hookBody(t);
    },
    /** An agent moves the ticket to the trash; the ticket trigger's body. */
    trash(id) {
      const t = ticket(id);
      t.trashed_datetime = gorgiasNow();
      t.updated_datetime = t.trashed_datetime;
      return hookBody(t);
    },
    /** The ticket is gone for good: the API answers 404 for it from now on. */
    remove(id) {
      tickets.delete(Number(id));
    },
    hookBody,
    sendHook,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
