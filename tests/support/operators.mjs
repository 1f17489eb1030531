// Operators for end-to-end tests: add someone to a site with a role, and sign a browser page in
// as them through the real sign-in form. Every dashboard test goes through these two, so the
// way operators sign in is written down once.

import { createHash, pbkdf2Sync, randomBytes, randomUUID } from 'node:crypto';

import { sqlLiteral } from './wrangler.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * A password hash in the Worker's stored form, made by Node's own PBKDF2: a sign-in that
 * succeeds against it shows the Worker's WebCrypto derives the same bytes.
 */
export function passwordHash(password, salt = randomBytes(16)) {
  const hash = pbkdf2Sync(password, salt, 100_000, 32, 'sha256');
  return `pbkdf2-sha256$100000$${salt.toString('hex')}$${hash.toString('hex')}`;
}

/**
 * Adds an operator (a new person, or `id` of an existing one) as `role` on site `site`, with a
 * password and an API token. Returns `{ id, email, name, password, token, site }`.
 */
export async function addOperator(worker, { site, role, email, name, id }) {
  const operatorId = id ?? randomUUID().replaceAll('-', '');
  const token = `tbo_e2e_${randomBytes(16).toString('hex')}`;
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const person = id
    ? ''
    : `INSERT INTO operators (id, email, name, password_hash, created_at)
         VALUES (${sqlLiteral(operatorId)}, ${sqlLiteral(email.toLowerCase())}, ${sqlLiteral(name)},
                 ${sqlLiteral(passwordHash(password))}, 0);`;
  await worker.sql(`${person}
    INSERT INTO site_members (site_id, operator_id, role, created_at)
      SELECT id, ${sqlLiteral(operatorId)}, ${sqlLiteral(role)}, 0 FROM sites WHERE key = ${sqlLiteral(site)};
    INSERT INTO operator_tokens (token_hash, id, site_id, operator_id, label, created_at)
      SELECT ${sqlLiteral(sha256(token))}, ${sqlLiteral(randomBytes(16).toString('hex'))}, id,
             ${sqlLiteral(operatorId)}, 'e2e fixture', ${Date.now()} FROM sites WHERE key = ${sqlLiteral(site)};`);
  return { id: operatorId, email, name, password: id ? undefined : password, token, site };
}

/** Signs `page` in as `operator` (from `addOperator`) through the sign-in form. */
export async function signIn(page, worker, operator) {
  await page.context().clearCookies();
  await page.goto(`${worker.baseUrl}/app/login`);
  await page.getByLabel('Email').fill(operator.email);
  await page.getByLabel('Password').fill(operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/app\/tickets/);
}
