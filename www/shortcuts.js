// Keyboard shortcuts for the dashboard. The pages declare them: an element with
// `data-key="c"` is focused (a field) or clicked (a link or button) when that key is pressed;
// rows marked `data-row` are walked with j / k, `x` ticks the current row's checkbox and Enter
// opens it; `g` then a key follows a `data-key="g t"` link. `?` opens the list of shortcuts,
// which the page renders itself (the `#shortcuts` dialog). Nothing fires while typing in a
// field or with a modifier held, and without this script every control works as before.
"use strict";
(() => {
  const help = document.getElementById("shortcuts");
  if (!help) return;
  for (const button of document.querySelectorAll("[data-shortcuts-open]")) {
    button.hidden = false;
    button.addEventListener("click", () => help.showModal());
  }
  const rows = [...document.querySelectorAll("[data-row]")];
  let current = -1;
  let pendingG = 0;

  const visible = (el) => el.getClientRects().length > 0;
  const target = (key) =>
    [...document.querySelectorAll(`[data-key="${key}"]`)].find(visible);
  const typing = (el) =>
    el instanceof HTMLElement &&
    (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  const activate = (el) => {
    if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) {
      el.focus();
      if (el.tagName !== "SELECT") el.select?.();
    } else {
      el.click();
    }
  };

  const moveTo = (index) => {
    if (rows.length === 0) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((row, i) => row.classList.toggle("kbd-current", i === current));
    const row = rows[current];
    row.querySelector("a[href]")?.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  };

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (help.open) return;
    const key = e.key;
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      const link = target(`g ${key}`);
      if (link) {
        e.preventDefault();
        link.click();
      }
      return;
    }
    pendingG = 0;
    let handled = true;
    if (key === "?") help.showModal();
    else if (key === "g") pendingG = Date.now();
    else if (key === "j") moveTo(current + 1);
    else if (key === "k") moveTo(current - 1);
    else if (key === "x" && current >= 0) rows[current].querySelector("input[type=checkbox]")?.click();
    else {
      const el = target(key);
      if (el) activate(el);
      else handled = false;
    }
    if (handled) e.preventDefault();
  });
})();
