// A local stand-in for Cloudflare Turnstile's explicit-render script (api.js?render=explicit),
// for the widget's end-to-end tests: the Worker's `TURNSTILE_SCRIPT_URL` points here. It keeps
// `turnstile.render(container, {sitekey, callback, 'expired-callback', 'error-callback',
// language})`'s contract: draws a checkbox into the container, returns a widget id, and calls
// `callback(token)` when the box is ticked; `reset(id)` unticks it. The token is
// `window.turnstileStandin.nextToken` (the tests' siteverify double passes tokens starting
// `pass-` once), and `expire()` calls the widget's `expired-callback`, as Turnstile does after
// 300 s. Every render's options are kept in `renders` for the tests to read.
(() => {
  const widgets = new Map();
  let serial = 0;
  const standin = {
    nextToken: 'pass-standin',
    renders: [],
    resets: 0,
    expire() {
      for (const w of widgets.values()) {
        w.box.checked = false;
        w.opts['expired-callback']?.();
      }
    },
  };
  window.turnstileStandin = standin;
  window.turnstile = {
    render(container, opts) {
      const el = typeof container === 'string' ? document.querySelector(container) : container;
      if (!el || !opts?.sitekey) throw new Error('turnstile.render: a container and a sitekey');
      serial += 1;
      const id = `standin-${serial}`;
      const label = document.createElement('label');
      label.className = 'turnstile-standin';
      const box = document.createElement('input');
      box.type = 'checkbox';
      label.append(box, document.createTextNode(' Verify you are human (stand-in)'));
      box.addEventListener('change', () => {
        if (box.checked) opts.callback?.(standin.nextToken);
      });
      el.append(label);
      widgets.set(id, { box, opts });
      standin.renders.push({ sitekey: opts.sitekey, language: opts.language, container: el.getAttribute('slot') });
      return id;
    },
    reset(id) {
      const w = widgets.get(id);
      if (w) w.box.checked = false;
      standin.resets += 1;
    },
    remove(id) {
      widgets.delete(id);
    },
    getResponse() {
      return undefined;
    },
  };
})();
