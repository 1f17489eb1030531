/* Ticketbooth loader: <script src=".../widget.js" data-site="…" async>.
   Reads its tag now, fetches glue and Wasm in parallel (streaming compile), queues
   window.Ticketbooth calls until mounted; a second tag does nothing. */
(function (w, d) {
  var s = d.currentScript, a, b, q = [], T;
  if (!s || (w.Ticketbooth && w.Ticketbooth.v)) return;
  a = s.dataset;
  b = new URL('widget/pkg/ticketbooth_widget', s.src).href;
  T = w.Ticketbooth = { v: 1, q: q };
  'open close openTicket identify'.split(' ').forEach(function (k) {
    T[k] = function (x) { q.push([k, x]); };
  });
  var wasm = fetch(b + '_bg.wasm');
  import(b + '.js').then(function (m) {
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
