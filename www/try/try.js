// Embeds the widget for the site in ?site= (from the settings page's "Test the widget" link),
// the way the embed snippet does. A key that is not a site key is refused here.
(function () {
  var site = new URLSearchParams(location.search).get('site') || '';
  var which = document.getElementById('which');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/.test(site)) {
    which.textContent = 'Add ?site=<your site key> to the address.';
    return;
  }
  which.textContent = 'This page embeds the widget of site "' + site + '" exactly as your snippet does. Tickets opened here are real.';
  var script = document.createElement('script');
  script.src = '/widget.js';
  script.async = true;
  script.dataset.site = site;
  document.body.appendChild(script);
})();
