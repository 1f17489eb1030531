// The header's notices ("Waiting for a person", "New to me", "My SLA breaches"): the page
// renders their counts; this keeps them current while the page stays open, asking
// /app/notices.json every 30 seconds (and when the tab comes back into view). Without this
// script the links and the counts the page was rendered with work as before.
"use strict";
(() => {
  const nav = document.querySelector("[data-notices]");
  if (!nav) return;
  const EVERY_MS = 30000;
  const show = (counts) => {
    for (const link of nav.querySelectorAll("[data-notice]")) {
      const n = counts[link.dataset.notice];
      if (typeof n !== "number") continue;
      link.querySelector("[data-count]").textContent = String(n);
      link.classList.toggle("active", n > 0);
    }
  };
  const poll = async () => {
    if (document.hidden) return;
    try {
      const r = await fetch("/app/notices.json", {
        credentials: "same-origin",
        headers: { accept: "application/json" },
      });
      // Signed out or the session went: the page's own links say so on the next click.
      if (r.ok) show(await r.json());
    } catch {
      // Offline for a moment: the next poll tries again.
    }
  };
  // Pages that did not read the counts in their batch show them at once.
  if ([...nav.querySelectorAll("[data-count]")].some((c) => c.textContent === "")) poll();
  setInterval(poll, EVERY_MS);
  document.addEventListener("visibilitychange", poll);
})();
