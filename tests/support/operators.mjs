// Operators for end-to-end tests: add someone to a site with a role, and sign a browser page in
// as them through the real sign-in form. Every dashboard test goes through these two, so the
// way operators sign in is written down once.

import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { sqlLiteral } from './wrangler.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Adds an operator (a new person, or `id` of an existing one) as `role` on site `site`, with an
 * API token. Returns what signing in needs: `{ id, email, name, token }`.
 */
export async function addOperator(worker, { site, role, email, name, id }) {
  const operatorId = id ?? randomUUID().replaceAll('-', '');
  const token = `tbo_e2e_${randomBytes(16).toString('hex')}`;
  const person = id
    ? ''
    : `INSERT INTO operators (id, email, name, created_at)
         VALUES (${sqlLiteral(operatorId)}, ${sqlLiteral(email)}, ${sqlLiteral(name)}, 0);`;
  await worker.sql(`${person}
    INSERT INTO site_members (site_id, operator_id, role, created_at)
      SELECT id, ${sqlLiteral(operatorId)}, ${sqlLiteral(role)}, 0 FROM sites WHERE key = ${sqlLiteral(site)};
    INSERT INTO operator_tokens (token_hash, site_id, operator_id, created_at)
      SELECT ${sqlLiteral(sha256(token))}, id, ${sqlLiteral(operatorId)}, 0 FROM sites WHERE key = ${sqlLiteral(site)};`);
  return { id: operatorId, email, name, token, site };
}

/** Signs `page` in as `operator` (from `addOperator`) through the sign-in form. */
export async function signIn(page, worker, operator) {
  await page.context().clearCookies();
  await page.goto(`${worker.baseUrl}/app/login`);
  await page.getByLabel('API token').fill(operator.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/app\/tickets/);
}
