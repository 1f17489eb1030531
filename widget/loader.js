/* Ticketbooth loader (the launcher path: see xtask/src/widget.rs). Draws the launcher, then
   after first paint loads the Wasm, whose mount() takes over host, shadow root and button. */
(function (w, d) {
  var s = d.currentScript, a, o, T, q = [], h, r, c, p, l, f;
  if (!s || (w.Ticketbooth && w.Ticketbooth.v)) return;
  a = s.dataset;
  T = w.Ticketbooth = { v: 1, q: q };
  'open close openTicket identify send'.split(' ').forEach(function (k) {
    T[k] = function (x) { q.push([k, x]); };
  });
  if (!a.site) return console.warn('Ticketbooth: the script tag needs data-site');
  o = {
    site: a.site,
    api: a.api || new URL(s.src).origin,
    locale: a.locale || navigator.language,
    open: a.open != null && a.open != 'false'
  };
  f = /^fr([-_]|$)/i.test(o.locale);
  h = d.createElement('ticketbooth-widget');
  if (a.accent) h.style.setProperty('--tb-accent', a.accent);
  r = h.attachShadow({ mode: 'open' });
  c = new CSSStyleSheet();
  // Panel rules, colours and dark mode: widget/src/style.css.
  c.replaceSync(':host{all:initial!important;display:block!important;position:fixed!important;inset:0 auto auto 0!important;width:0!important;height:0!important;z-index:2147483647!important;visibility:visible!important;opacity:1!important;overflow:visible!important}' +
    '.tb{--a:var(--tb-accent,#4338ca);--at:var(--tb-accent-text,#fff)}' +
    '*,:before,:after{box-sizing:border-box}' +
    'svg{width:22px;height:22px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round;flex:none}' +
    'button{font:inherit;cursor:pointer;margin:0}' +
    ':focus-visible{outline:2px solid var(--a);outline-offset:2px}' +
    '.l{position:fixed;bottom:20px;right:20px;width:56px;height:56px;border-radius:50%;border:0;padding:0;background:var(--a);color:var(--at);box-shadow:0 6px 20px rgba(0,0,0,.22);display:grid;place-items:center}' +
    '.l:hover{transform:scale(1.06)}' +
    '@media(prefers-reduced-motion:no-preference){.l{transition:transform .15s}}' +
    '.l svg{width:26px;height:26px;grid-area:1/1}' +
    '.l[aria-expanded=true] .i-open,.l[aria-expanded=false] .i-close{display:none}' +
    // The corner follows the page's direction (the host inherits it; .tb has the widget's).
    '.s .l,:host(:dir(rtl)) .l{right:auto;left:20px}:host(:dir(rtl)) .s .l{left:auto;right:20px}');
  r.adoptedStyleSheets = [c];
  p = d.createElement('div');
  p.className = /^(start|left|bottom-left)$/.test(a.position) ? 'tb s' : 'tb';
  p.lang = f ? 'fr' : 'en';
  // The widget's text reads in its own language's direction (both tables are left-to-right).
  p.dir = 'ltr';
  l = d.createElement('button');
  l.className = 'l';
  'type=button aria-controls=tb-panel aria-haspopup=dialog aria-expanded=false aria-busy=true'
    .split(' ').forEach(function (x) { x = x.split('='); l.setAttribute(x[0], x[1]); });
  l.setAttribute('aria-label', f ? 'Ouvrir l’assistance' : 'Open support');
  function icon(k, v) {
    var n = 'http://www.w3.org/2000/svg', e = d.createElementNS(n, 'svg'), t = d.createElementNS(n, 'path');
    e.setAttribute('class', k);
    e.setAttribute('viewBox', '0 0 24 24');
    e.setAttribute('aria-hidden', 'true');
    t.setAttribute('d', v);
    e.appendChild(t);
    l.appendChild(e);
  }
  icon('i-open', 'M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z');
  icon('i-close', 'M6 6l12 12M18 6 6 18');
  // A click means "open" until the Wasm drains the queue (and deletes T.q).
  l.addEventListener('click', function () { if (T.q) q.push(['open']); });
  p.appendChild(l);
  r.appendChild(p);
  // On <html>: a transform on the host's body would contain position: fixed.
  d.documentElement.appendChild(h);
  requestAnimationFrame(function () {
    setTimeout(function () {
      var b = new URL('widget/pkg/ticketbooth_widget', s.src).href, m = fetch(b + '_bg.wasm');
      import(b + '.js').then(function (g) {
        return g.default({ module_or_path: m }).then(function () { g.mount(o, T, l); });
      });
    }, 0);
  });
})(window, document);
