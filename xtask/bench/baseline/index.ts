// The bench's baseline (see wrangler.toml): GET config and POST a ticket, written as directly as
// TypeScript allows — one site read, then one batch of the same statements as the Rust
// Worker's create (claim the key, take the number, insert the ticket, its event, its search
// entry, read it back).
// Validation is the minimum that keeps the data sane; nothing here is product code. With the
// variable RATE_LIMITED=1 it also spends the same two Rate Limiting budgets first.

interface RateLimit {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

interface Env {
  DB: D1Database;
  /** "1": spend the same two Rate Limiting budgets as the Rust Worker's create, one after
   * the other (the bench's "ts+rl" target), so the two do the same work. */
  RATE_LIMITED?: string;
  CLIENT_WRITES: RateLimit;
  SITE_WRITES: RateLimit;
}

interface SiteRow {
  id: number;
  key: string;
  name: string;
  code_prefix: string;
  ticketing_enabled: number;
  contact_required: number;
  cta_label: string;
  locale: string;
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return json(200, { ok: true });
    const match = url.pathname.match(/^\/api\/v1\/sites\/([a-z0-9-]{1,40})\/(config|tickets)$/);
    if (!match) return json(404, { error: { code: 'not_found', message: 'Nothing is here.' } });
    const [, key, what] = match;
    const site = await env.DB.prepare(
      'SELECT id, key, name, code_prefix, ticketing_enabled, contact_required, cta_label, locale FROM sites WHERE key = ?1',
    ).bind(key).first<SiteRow>();
    if (!site) return json(404, { error: { code: 'site_not_found', message: 'No such site.' } });

    if (what === 'config') {
      return json(200, {
        site: site.key,
        name: site.name,
        enabled: site.ticketing_enabled === 1,
        contact_required: site.contact_required === 1,
        cta_label: site.cta_label,
        locale: site.locale,
        code_prefix: site.code_prefix,
      });
    }
    if (request.method !== 'POST') return json(405, { error: { code: 'method_not_allowed' } });

    if (env.RATE_LIMITED === '1') {
      const client = request.headers.get('cf-connecting-ip') ?? 'unknown';
      for (const [limiter, limitKey] of [[env.CLIENT_WRITES, `${site.key}|${client}`], [env.SITE_WRITES, site.key]] as const) {
        if (!(await limiter.limit({ key: limitKey })).success) {
          return json(429, { error: { code: 'rate_limited' } });
        }
      }
    }
    const idempotencyKey = request.headers.get('idempotency-key') ?? '';
    if (idempotencyKey.length < 32) return json(400, { error: { code: 'idempotency_key_invalid' } });
    const body = (await request.json()) as { subject?: unknown; description?: unknown };
    const subject = typeof body.subject === 'string' ? body.subject.trim() : '';
    const description = typeof body.description === 'string' ? body.description.trim() : '';
    if (subject.length < 1 || subject.length > 200) {
      return json(422, { error: { code: 'validation_failed', fields: { subject: 'required' } } });
    }
    const id = crypto.randomUUID().replaceAll('-', '');
    const now = Date.now();
    const hash = await sha256Hex(JSON.stringify({ subject, description }));
    const db = env.DB;
    try {
      const results = await db.batch([
        db.prepare(
          'INSERT INTO idempotency_keys (site_id, key, request_hash, ticket_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)',
        ).bind(site.id, idempotencyKey, hash, id, now),
        db.prepare('UPDATE sites SET next_ticket_number = next_ticket_number + 1 WHERE id = ?1').bind(site.id),
        db.prepare(
          `INSERT INTO tickets (id, site_id, number, code, subject, description, source, transcript, created_at, updated_at)
           SELECT ?2, id, next_ticket_number - 1, code_prefix || '-' || (next_ticket_number - 1), ?3, ?4, 'widget', '[]', ?5, ?5
           FROM sites WHERE id = ?1`,
        ).bind(site.id, id, subject, description, now),
        db.prepare(
          "INSERT INTO ticket_events (site_id, ticket_id, kind, data, actor, created_at) VALUES (?1, ?2, 'created', '{\"source\":\"widget\"}', 'visitor', ?3)",
        ).bind(site.id, id, now),
        // The search index (migration 0005), as the Rust create batch keeps it.
        db.prepare(
          `INSERT OR REPLACE INTO ticket_search (rowid, code, subject, description, requester, comments)
           SELECT t.site_id * 4294967296 + t.number, t.code, t.subject, t.description, '', ''
           FROM tickets t WHERE t.site_id = ?1 AND t.id = ?2`,
        ).bind(site.id, id),
        db.prepare(
          'SELECT id, code, subject, description, status, created_at, updated_at FROM tickets WHERE site_id = ?1 AND id = ?2',
        ).bind(site.id, id),
      ]);
      return json(201, { ticket: results[5].results[0] });
    } catch (error) {
      if (String(error).includes('UNIQUE constraint failed')) {
        const row = await db.prepare(
          'SELECT t.id, t.code, t.subject, t.status FROM idempotency_keys k JOIN tickets t ON t.id = k.ticket_id WHERE k.site_id = ?1 AND k.key = ?2',
        ).bind(site.id, idempotencyKey).first();
        return json(200, { ticket: row });
      }
      throw error;
    }
  },
};
