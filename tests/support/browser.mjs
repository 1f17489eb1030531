// Headless Chromium for browser tests, driven by playwright-core: Debian's /usr/bin/chromium
// (installed by `cargo xtask setup`; Playwright never downloads a browser here).
//
//   import { startWorker } from './support/wrangler.mjs';
//   import { launchBrowser } from './support/browser.mjs';
//
//   const worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [...] }] });
//   const browser = await launchBrowser();
//   const page = await browser.newPage();
//   await page.goto(`${worker.baseUrl}/demo/`);
//   …
//   await browser.close();   // also deletes the profile directory
//   await worker.stop();
//
// The flags keep Chromium off the network (this machine reaches none) and out of the way of
// other runs: a fresh, temporary --user-data-dir each launch.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a throwaway profile. `browser.close()` removes the profile too.
 * @param {object} [options] extra playwright `launchPersistentContext` options
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export async function launchBrowser(options = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'ticketbooth-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    ...options,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    await rm(profile, { recursive: true, force: true });
  };
  return context;
}
