/* Ticketbooth loader: <script src=".../widget.js" data-site="acme" async></script>. Reads its own
   tag now (currentScript is gone once anything async runs), then loads the Wasm widget in the
   background: the glue module and the .wasm are fetched in parallel, the .wasm compiled while it
   streams. window.Ticketbooth queues calls until the widget is mounted; a second tag is a no-op. */
(function (w, d) {
  var s = d.currentScript, a, base, q, T;
  if (!s || (w.Ticketbooth && w.Ticketbooth.v)) return;
  a = s.dataset;
  base = new URL('widget/pkg/', s.src);
  q = [];
  T = w.Ticketbooth = { v: 1, q: q };
  ['open', 'close', 'openTicket', 'identify'].forEach(function (k) {
    T[k] = function (x) { q.push([k, x]); };
  });
  var wasm = fetch(new URL('ticketbooth_widget_bg.wasm', base));
  import(new URL('ticketbooth_widget.js', base).href).then(function (m) {
    return m.default({ module_or_path: wasm }).then(function () {
      m.mount({
        site: a.site,
        api: a.api || new URL(s.src).origin,
        locale: a.locale || navigator.language,
        position: a.position,
        accent: a.accent,
        open: a.open != null && a.open != 'false'
      }, T);
    });
  });
})(window, document);
