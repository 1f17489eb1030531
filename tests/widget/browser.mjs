// Browser helpers for the widget's end-to-end tests and benchmark: Debian's Chromium through
// playwright-core (never a downloaded browser), and the demo host page served at a fake
// origin of its own, so every API call from the widget is a real cross-origin request.
//
//   const browser = await launch();
//   const host = await startHostSite();            // before the Worker: its origin is allowed
//   const worker = await startWorker({ sites: [{ key: 'acme', allowed_origins: [host.origin] }] });
//   host.setWorker(worker);
//   const page = await (await browser.newContext()).newPage();
//   await page.goto(`${host.origin}/demo/?site=acme`);

import { readFile } from 'node:fs/promises';
import { join, extname } from 'node:path';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';

import { ROOT } from '../support/wrangler.mjs';

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS, headless: true });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript' };

/** Where the host site serves the Turnstile stand-in (tests/support/turnstile-standin.js). */
export const STANDIN_PATH = '/turnstile/v0/api.js';

/**
 * The host site: a static server on a free port of localhost serving www/demo/, with the
 * widget's script tag pointed at `worker` (script and API from the Worker's origin, as in
 * production). Its origin differs from the Worker's, so the widget's calls are cross-origin.
 * `site` picks the data-site of every page; `setWorker` must be called before pages load.
 */
export async function startHostSite() {
  let worker = null;
  let site = 'demo';
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    // The local stand-in for Turnstile's script (a Worker's `TURNSTILE_SCRIPT_URL` may point
    // here): from the page's own origin, so the demo pages' CSP allows it as it is.
    if (url.pathname === STANDIN_PATH) {
      const js = await readFile(join(ROOT, 'tests', 'support', 'turnstile-standin.js'), 'utf8');
      res.writeHead(200, { 'content-type': TYPES['.js'] }).end(js);
      return;
    }
    const name = url.pathname.replace(/^\/demo\/?/, '') || 'index.html';
    let body;
    try {
      body = await readFile(join(ROOT, 'www', 'demo', name.replace(/\.\./g, '')), 'utf8');
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    if (extname(name) === '.html' && worker) {
      body = pointAtWorker(body, worker.baseUrl, url.searchParams.get('site') ?? site);
    }
    res.writeHead(200, { 'content-type': TYPES[extname(name)] ?? 'text/plain' }).end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    setWorker(w) { worker = w; },
    setSite(s) { site = s; },
    close: () => new Promise((r) => server.close(r)),
  };
}

/** The demo page's script tag and CSP, rewritten for a Worker at `base` and a site key. */
export function pointAtWorker(html, base, site) {
  return html
    .replaceAll('http://127.0.0.1:8787', base)
    .replaceAll('ws://127.0.0.1:8787', base.replace(/^http/, 'ws'))
    .replace('src="/widget.js"', `src="${base}/widget.js"`)
    .replace(/data-site="[^"]*"/, `data-site="${site}"`)
    .replace("script-src 'self'", `script-src 'self' ${base}`);
}

/** The widget's open shadow root, for assertions (Playwright locators pierce it anyway). */
export const HOST = 'ticketbooth-widget';
