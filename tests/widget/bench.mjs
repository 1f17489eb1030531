// `cargo xtask bench` (widget part): how fast the launcher appears and whether loading the
// widget blocks the host page. Printed, not asserted.
//
// For each run: a fresh browser context opens the demo page (its own origin) with the widget
// from a real `wrangler dev`; an init script (before any page script) records long tasks
// (> 50 ms) and the moment the launcher button is first rendered with a size. "Script start"
// is when the loader's own code begins (a wrapper installed by the same init script around
// document.currentScript reads would be intrusive, so the loader's resource-timing responseEnd
// stands for it: an async script runs as soon as it has arrived).
//
//   node tests/widget/bench.mjs [runs]       (Node 22; `cargo xtask build` first)

import { startWorker } from '../support/wrangler.mjs';
import { launch, startHostSite } from './browser.mjs';

const RUNS = Number(process.argv[2] ?? 7);

const INIT = `
(() => {
  const bench = (window.__bench = { longTasks: [], launcherAt: null });
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
    await page.waitForFunction(() => window.__bench.launcherAt !== null, null, { timeout: 30_000 });
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
    `  run ${i + 1}: script start ${ms(r.scriptStart)}, launcher visible ${ms(r.launcherAt)} ` +
      `(+${ms(r.launcherAt - r.scriptStart)}), wasm fetched at ${ms(r.wasmEnd)}, ` +
      `long tasks ${r.longTasks.length}` +
      (r.longTasks.length
        ? ` (${r.longTasks.map((t) => `${ms(t.duration)} at ${ms(t.start)}`).join(', ')})`
        : ''),
  );
}
console.log(`script start -> launcher visible, median: ${ms(median(first.map((r) => r.launcherAt - r.scriptStart)))}`);
console.log(`navigation start -> launcher visible, median: ${ms(median(first.map((r) => r.launcherAt)))}`);
const longest = Math.max(0, ...first.flatMap((r) => r.longTasks.map((t) => t.duration)));
console.log(
  `long tasks (> 50 ms) on the host page during load: ${first.reduce((n, r) => n + r.longTasks.length, 0)} ` +
    `in ${first.length} runs (longest ${ms(longest)}); target: none`,
);
