// A local double of Turnstile's siteverify for the end-to-end tests, on 127.0.0.1: it speaks
// siteverify's wire format (form-encoded POST; `{ success, error-codes, … }`), with its
// single-use tokens and its `idempotency_key`. The Worker reaches it through
// `TURNSTILE_VERIFY_URL`.

import { createServer } from 'node:http';

/** The secret key the double accepts (a site's Turnstile secret in the tests). */
export const SECRET = '0x4AAAAAAAe2eSecretKey';

/**
 * siteverify: a token passes once (tokens starting `pass-`), a second check of the same token
 * is `timeout-or-duplicate` unless it repeats the first check's `idempotency_key`, which gets
 * the first verdict again; a wrong secret is `invalid-input-secret`.
 */
export function siteverify() {
  const spent = new Map(); // token -> idempotency_key of its first check
  const calls = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      calls.push({ contentType: req.headers['content-type'], form: Object.fromEntries(form) });
      const token = form.get('response') ?? '';
      const key = form.get('idempotency_key');
      const errors = [];
      if (req.method !== 'POST') errors.push('bad-request');
      if (form.get('secret') !== SECRET) errors.push('invalid-input-secret');
      if (!token.startsWith('pass-')) errors.push('invalid-input-response');
      else if (spent.has(token) && (key === null || spent.get(token) !== key)) errors.push('timeout-or-duplicate');
      if (errors.length === 0 && !spent.has(token)) spent.set(token, key);
      const verdict = errors.length === 0
        ? { success: true, 'error-codes': [], challenge_ts: new Date().toISOString(), hostname: 'shop.example', action: '', cdata: '' }
        : { success: false, 'error-codes': errors };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(verdict));
    });
  });
  return { server, calls };
}
