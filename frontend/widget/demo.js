// Fills the form from the query string and adds the widget's script tag, as a site would write it by hand.
(function () {
  'use strict';
  var form = document.getElementById('settings');
  var query = new URLSearchParams(location.search);
  // Served by the API itself (make run serves this folder at /widget/): that origin is the API.
  if (/^https?:$/.test(location.protocol) && !query.get('api')) form.elements.api.value = location.origin;
  query.forEach(function (value, name) {
    if (form.elements[name]) form.elements[name].value = value;
  });
  if (!query.get('bot') || !query.get('key')) return;
  var tag = document.createElement('script');
  tag.src = 'minirag-widget.js';
  tag.dataset.botId = query.get('bot');
  tag.dataset.apiUrl = query.get('api') || form.elements.api.value;
  tag.dataset.widgetKey = query.get('key');
  tag.dataset.title = query.get('title') || 'Help centre';
  if (query.get('greeting')) tag.dataset.greeting = query.get('greeting'); // else: the bot's own
  tag.dataset.position = query.get('position') || 'right';
  tag.dataset.themeAccent = query.get('accent') || '#2563eb';
  tag.dataset.open = 'true';
  document.body.append(tag);
})();
