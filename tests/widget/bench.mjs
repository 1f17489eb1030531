// `cargo xtask bench` (widget part): how fast the launcher appears, how fast the widget is
// ready, and whether loading the widget blocks the host page. Printed; a long task (> 50 ms)
// during load fails the run (the budget of issue 7).
//
// The loader (www/widget.js) draws the launcher by itself; the glue and the .wasm are fetched
// after first paint and mount the rest ("ready": `data-ready` on the host element).
// For each run: a fresh browser context opens the demo page (its own origin) with the widget
// from a real `wrangler dev`; an init script (before any page script) records long tasks
// (> 50 ms), the moment the loader appends the host element ("loader ran", a MutationObserver),
// the frame after the launcher button is first laid out with a size ("launcher visible"), and
// the frame after the host element gets `data-ready` ("ready"). "Script start" is the loader's
// resource-timing responseEnd (an async script runs as soon as it has arrived and the main
// thread is free; "loader ran" shows when that was).
//
//   node tests/widget/bench.mjs [runs]       (Node 22; `cargo xtask build` first)

import { startWorker } from '../support/wrangler.mjs';
import { launch, startHostSite } from './browser.mjs';

const RUNS = Number(process.argv[2] ?? 7);

const INIT = `
(() => {
  const bench = (window.__bench = { longTasks: [], launcherAt: null, readyAt: null, hostAt: null });
  // When the loader appends the host element: the loader's code is running.
  const seen = new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeName === 'TICKETBOOTH-WIDGET' && bench.hostAt === null) {
          bench.hostAt = performance.now();
          seen.disconnect();
        }
      }
    }
  });
  seen.observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) bench.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  const poll = () => {
    const host = document.querySelector('ticketbooth-widget');
    const button = host && host.shadowRoot && host.shadowRoot.querySelector('button.l');
    if (button && button.getBoundingClientRect().width > 0) {
      // The frame after the one that laid it out: the launcher is on screen.
      requestAnimationFrame(() => { bench.launcherAt = performance.now(); });
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
  const pollReady = () => {
    const host = document.querySelector('ticketbooth-widget');
    if (host && host.hasAttribute('data-ready')) {
      requestAnimationFrame(() => { bench.readyAt = performance.now(); });
      return;
    }
    requestAnimationFrame(pollReady);
  };
  requestAnimationFrame(pollReady);
})();
`;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;

const host = await startHostSite();
const worker = await startWorker({ sites: [{ key: 'demo', allowed_origins: [host.origin] }] });
host.setWorker(worker);
const browser = await launch();
const rows = [];
try {
  for (let i = 0; i < RUNS; i += 1) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(INIT);
    const page = await context.newPage();
    await page.goto(`${host.origin}/demo/`);
    await page.waitForFunction(() => window.__bench.launcherAt !== null && window.__bench.readyAt !== null, null, { timeout: 30_000 });
    await page.waitForTimeout(300);
    const r = await page.evaluate(() => {
      const res = (suffix) => performance.getEntriesByType('resource').find((e) => e.name.endsWith(suffix));
      const loader = res('/widget.js');
      const glue = res('/ticketbooth_widget.js');
      const wasm = res('/ticketbooth_widget_bg.wasm');
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        scriptStart: loader.responseEnd,
        launcherAt: window.__bench.launcherAt,
        readyAt: window.__bench.readyAt,
        hostAt: window.__bench.hostAt,
        glueStart: glue.startTime,
        glueEnd: glue.responseEnd,
        wasmEnd: wasm.responseEnd,
        domContentLoaded: nav.domContentLoadedEventEnd,
        longTasks: window.__bench.longTasks,
      };
    });
    rows.push(r);
    await context.close();
  }
} finally {
  await browser.close();
  await worker.stop();
  await host.close();
}

const first = rows.slice(1); // the first run warms wrangler's asset cache
console.log(`widget bench: ${RUNS} runs (first one discarded as warm-up), headless Chromium, local wrangler dev`);
for (const [i, r] of rows.entries()) {
  console.log(
    `  run ${i + 1}: script start ${ms(r.scriptStart)}, loader ran ${ms(r.hostAt)}, launcher visible ${ms(r.launcherAt)} ` +
      `(+${ms(r.launcherAt - r.scriptStart)}), glue requested at ${ms(r.glueStart)}, ` +
      `wasm fetched at ${ms(r.wasmEnd)}, ready ${ms(r.readyAt)} (+${ms(r.readyAt - r.scriptStart)}), ` +
      `long tasks ${r.longTasks.length}` +
      (r.longTasks.length
        ? ` (${r.longTasks.map((t) => `${ms(t.duration)} at ${ms(t.start)}`).join(', ')})`
        : ''),
  );
}
console.log(`script start -> launcher visible, median: ${ms(median(first.map((r) => r.launcherAt - r.scriptStart)))}`);
console.log(`navigation start -> launcher visible, median: ${ms(median(first.map((r) => r.launcherAt)))}`);
console.log(`loader ran -> launcher visible, median: ${ms(median(first.map((r) => r.launcherAt - r.hostAt)))}`);
console.log(`script start -> widget ready (Wasm mounted), median: ${ms(median(first.map((r) => r.readyAt - r.scriptStart)))}`);
const longest = Math.max(0, ...first.flatMap((r) => r.longTasks.map((t) => t.duration)));
const allLongTasks = first.reduce((n, r) => n + r.longTasks.length, 0);
// The widget's: those still running once the loader's code ran (a task that ended before the
// loader's first line cannot be the widget's work: the page's own parsing and layout).
const widgetTasks = first.flatMap((r) => r.longTasks.filter((t) => t.start + t.duration > r.hostAt));
console.log(
  `long tasks (> 50 ms) on the host page during load: ${allLongTasks} in ${first.length} runs ` +
    `(longest ${ms(longest)}); during the widget's load (loader ran -> ready): ${widgetTasks.length}` +
    (widgetTasks.length ? ` (${widgetTasks.map((t) => ms(t.duration)).join(', ')})` : '') +
    '; budget: none',
);
// The budget of issue 7: loading the widget never blocks the host page for more than 50 ms.
const longTasks = widgetTasks.length;
if (longTasks > 0) {
  console.error(`\n!!!!!!!! LONG TASK BUDGET EXCEEDED: ${longTasks} long task(s) during load !!!!!!!!\n`);
  process.exitCode = 1;
} else {
  console.log('long task budget: ok (none)');
}
