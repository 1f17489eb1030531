// The widget's only JavaScript besides the generated glue: the browser calls its Rust code
// makes, each a few lines. Imported through `js.rs` and bundled into the glue by esbuild.
//
// Why not web-sys and js-sys: with them every enabled binding adds a describe function whose
// closure shims stay in the Wasm, and each call site carries its own conversion code; these
// ~35 functions cut the widget's Wasm by more than half (measured, README "Size"). Nothing here
// parses HTML: text goes through textContent only.

const d = document;

// --- DOM ---------------------------------------------------------------------------------

/** `<tag class>` appended to `parent` (an SVG element when `tag` starts with "svg:"). */
export function el(parent, tag, cls) {
  const e = tag.startsWith('svg:')
    ? d.createElementNS('http://www.w3.org/2000/svg', tag.slice(4))
    : d.createElement(tag);
  if (cls) e.setAttribute('class', cls);
  parent.append(e);
  return e;
}

/**
 * Builds a view's skeleton under `root` from `spec`, one element per line: leading spaces give
 * the depth, then `tag|class|name=value|…`. `icon` is a 24×24 stroked SVG icon whose `d=` is
 * its path. Returns the elements in line order; text is set later, through textContent only.
 */
export function tree(root, spec) {
  const stack = [root];
  return spec.split('\n').map((line) => {
    const depth = line.length - line.trimStart().length;
    const [tag, cls, ...attrs] = line.trim().split('|');
    const e = el(stack[depth], tag == 'icon' ? 'svg:svg' : tag, cls);
    for (const a of attrs) {
      const i = a.indexOf('=');
      const k = a.slice(0, i);
      const v = a.slice(i + 1);
      if (tag == 'icon') {
        e.setAttribute('viewBox', '0 0 24 24');
        e.setAttribute('aria-hidden', 'true');
        el(e, 'svg:path').setAttribute(k, v);
      } else e.setAttribute(k, v);
    }
    stack[depth + 1] = e;
    return e;
  });
}

export function text(e, s) {
  if (e.textContent !== s) e.textContent = s;
}

export function attr(e, k, v) {
  if (v == null) e.removeAttribute(k);
  else if (e.getAttribute(k) !== v) e.setAttribute(k, v);
}

export function show(e, on) {
  e.hidden = !on;
}

export function value(e) {
  return e.value;
}

export function setValue(e, v) {
  if (e.value !== v) e.value = v;
}

export function focus(e) {
  e && e.focus();
}

export function clear(e) {
  e.textContent = '';
}

export function on(t, type, f) {
  t.addEventListener(type, f);
}

export function off(t, type, f) {
  t.removeEventListener(type, f);
}

export function prevent(ev) {
  ev.preventDefault();
}

/** The element focused in the page now (the host element when focus is inside the widget). */
export function active() {
  return d.activeElement;
}

/** Gives focus back to `e` if it is still in the page and not the widget, else to `fallback`. */
export function restore(e, host, fallback) {
  (e && e !== host && e !== d.body && e.isConnected ? e : fallback).focus();
}

/**
 * Takes over the shadow root the loader (www/widget.js) drew `launcher` in: adopts `css` as a
 * constructable stylesheet after the loader's own (no <style>, no style attribute: a strict
 * CSP needs no 'unsafe-inline'). Returns [host, shadow root, the .tb root].
 */
export function adopt(launcher, css) {
  const root = launcher.parentNode;
  const shadow = root.parentNode;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  shadow.adoptedStyleSheets = [...shadow.adoptedStyleSheets, sheet];
  return [shadow.host, shadow, root];
}

export function ready(host) {
  host.setAttribute('data-ready', '');
}

/**
 * Dialog keys on `panel`: Escape calls `onEscape`; Tab and Shift+Tab wrap around the panel's
 * visible controls so focus stays inside.
 */
export function dialogKeys(panel, root, onEscape) {
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onEscape(e);
    } else if (e.key === 'Tab') {
      const all = [...panel.querySelectorAll('button,input,textarea')].filter(
        (x) => x.offsetParent && !x.disabled,
      );
      const a = root.activeElement;
      const edge = e.shiftKey ? all[0] : all[all.length - 1];
      if (edge && (!panel.contains(a) || a === edge)) {
        e.preventDefault();
        (e.shiftKey ? all[all.length - 1] : all[0]).focus();
      }
    }
  });
}

/** `ticketbooth:ticket-created` with `{ code }`, bubbling out of the shadow root to window. */
export function emit(host, code) {
  host.dispatchEvent(
    new CustomEvent('ticketbooth:ticket-created', { bubbles: true, composed: true, detail: { code } }),
  );
}

// --- Data ----------------------------------------------------------------------------------

export function get(o, k) {
  return o == null ? undefined : o[k];
}

export function set(o, k, v) {
  o[k] = v;
}

export function obj() {
  return {};
}

export function arr() {
  return [];
}

export function push(a, v) {
  a.push(v);
}

/** The items of an array (none for anything else). */
export function items(a) {
  return Array.isArray(a) ? a : [];
}

export function len(a) {
  return a.length;
}

export function at(a, i) {
  return a[i];
}

export function keys(o) {
  return o && typeof o === 'object' ? Object.keys(o) : [];
}

export function stringify(v) {
  return JSON.stringify(v);
}

export function parse(s) {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** Calls `f` with each `[name, argument]` queued on the loader's window.Ticketbooth stub. */
export function drain(api, f) {
  if (!api) return;
  const q = api.q || [];
  delete api.q;
  q.forEach(f);
}

/** Installs `f(name, argument)` as window.Ticketbooth's methods (the loader's stub object). */
export function expose(api, names, f) {
  if (api) names.split(' ').forEach((n) => {
    api[n] = (x) => f([n, x]);
  });
}

// --- Browser services ----------------------------------------------------------------------

/** localStorage, or nothing where it is missing or refuses (privacy modes, full). */
export function load(k) {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}

export function store(k, v) {
  try {
    if (v == null) localStorage.removeItem(k);
    else localStorage.setItem(k, v);
  } catch {
    // Storage is an optimisation: the widget works for this page without it.
  }
}

/** A fresh Idempotency-Key: randomUUID where the context is secure, else 32 random hex digits. */
export function uuid() {
  const c = self.crypto;
  if (c && c.randomUUID) return c.randomUUID();
  let s = '';
  while (s.length < 32) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

export function win() {
  return window;
}

export function online() {
  return navigator.onLine !== false;
}

export function warn(s) {
  console.warn(s);
}

/**
 * One HTTP call; `done([status, json])` when an answer came (json undefined when the body is
 * not JSON), `done(null)` when none did (offline, DNS, CORS refusal).
 */
export function request(url, method, body, key, token, done) {
  const headers = {};
  if (body != null) headers['Content-Type'] = 'application/json';
  if (key != null) headers['Idempotency-Key'] = key;
  if (token != null) headers.Authorization = 'Bearer ' + token;
  fetch(url, { method, headers, body })
    .then(
      (r) => r.json().then((j) => [r.status, j], () => [r.status]),
      () => null,
    )
    .then(done);
}
