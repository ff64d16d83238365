/*! MiniRAG chat widget. One script tag, no dependencies. See docs/widget-integration.md. */
(function () {
  'use strict';

  var VERSION = '1.0.0';
  var STORE_PREFIX = 'minirag-widget:v1:';
  var MAX_STORED = 60;
  var THEME_VARS = ['accent', 'accent-ink', 'bg', 'ink', 'muted', 'bubble', 'user-bubble', 'user-ink', 'border',
    'radius', 'font', 'font-size', 'width', 'height', 'offset', 'z'];

  // Public --mrw-* variables (set by the page or data-theme*) resolve once, on :host, into short private ones.
  var CSS = `
:host { all: initial; position: fixed; bottom: var(--off); z-index: var(--mrw-z, 2147483000);
  --accent: var(--mrw-accent, #2563eb); --accent-ink: var(--mrw-accent-ink, #fff); --bg: var(--mrw-bg, #fff);
  --ink: var(--mrw-ink, #1f2937); --muted: var(--mrw-muted, #6b7280); --bubble: var(--mrw-bubble, #f3f4f6);
  --border: var(--mrw-border, #e5e7eb); --off: var(--mrw-offset, 20px);
  font-family: var(--mrw-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--mrw-font-size, 15px); color: var(--ink); line-height: 1.45 }
:host([data-position=right]) { right: var(--off) } :host([data-position=left]) { left: var(--off) }
* { box-sizing: border-box } [hidden] { display: none !important }
button { font: inherit; cursor: pointer }
button:focus-visible, textarea:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px }
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; background: var(--accent);
  color: var(--accent-ink); box-shadow: 0 6px 20px rgba(0,0,0,.25); display: grid; place-items: center }
.launcher svg { width: 26px; height: 26px; fill: currentColor }
.panel { position: absolute; bottom: 70px; width: var(--mrw-width, 370px); max-width: calc(100vw - 2 * var(--off));
  height: var(--mrw-height, 560px); max-height: calc(100vh - 110px); background: var(--bg);
  border: 1px solid var(--border); border-radius: var(--mrw-radius, 14px); box-shadow: 0 12px 40px rgba(0,0,0,.2);
  display: flex; flex-direction: column; overflow: hidden }
:host([data-position=right]) .panel { right: 0 } :host([data-position=left]) .panel { left: 0 }
header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: var(--accent);
  color: var(--accent-ink) }
header h2 { font-size: 1em; margin: 0; flex: 1; font-weight: 600; overflow: hidden; text-overflow: ellipsis;
  white-space: nowrap }
header button { background: transparent; border: 0; color: inherit; padding: 4px 6px; border-radius: 6px;
  font-size: .85em }
header button:hover { background: rgba(255,255,255,.15) }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 10px }
.msg { max-width: 88%; display: flex; flex-direction: column; gap: 4px }
.msg.user { align-self: flex-end } .msg.assistant { align-self: flex-start }
.bubble { padding: 8px 11px; border-radius: 12px; background: var(--bubble); overflow-wrap: anywhere }
.user .bubble { background: var(--mrw-user-bubble, var(--accent)); color: var(--mrw-user-ink, #fff);
  white-space: pre-wrap }
.bubble p { margin: 0 0 .5em } .bubble p:last-child { margin: 0 }
.bubble ul, .bubble ol { margin: 0 0 .5em; padding-left: 1.3em }
.bubble code { font-family: ui-monospace, Menlo, monospace; font-size: .88em; background: rgba(0,0,0,.07);
  padding: 0 3px; border-radius: 4px }
.bubble pre { margin: 0 0 .5em; padding: 8px; background: rgba(0,0,0,.07); border-radius: 6px; overflow-x: auto }
.bubble pre code { background: none; padding: 0 } .bubble a { color: var(--accent) }
.ref { font-size: .75em; color: var(--accent); font-weight: 600; margin-left: 1px }
.typing { display: inline-block; letter-spacing: 2px; color: var(--muted) }
.error { background: #fef2f2; color: #991b1b; border: 1px solid #fecaca; padding: 7px 10px; border-radius: 10px;
  font-size: .9em }
.cites { list-style: none; margin: 0; padding: 0; font-size: .8em; color: var(--muted) }
.cites li { margin: 2px 0 } .cites .n { font-weight: 600; color: var(--accent) }
.cites summary { cursor: pointer } .cites .snip { display: block; margin: 2px 0 0 14px; font-style: italic }
.fb { display: flex; gap: 4px }
.fb button { border: 1px solid var(--border); background: transparent; border-radius: 6px; padding: 3px 7px;
  color: var(--muted) }
.fb button[aria-pressed=true] { border-color: var(--accent); color: var(--accent) }
.fb svg { width: 15px; height: 15px; fill: currentColor; display: block } .fb .down { transform: rotate(180deg) }
.fb-error { color: #991b1b; font-size: .8em; align-self: center }
form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid var(--border) }
textarea { flex: 1; resize: none; font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--border);
  border-radius: 10px; padding: 8px 10px; min-height: 40px; max-height: 120px }
.send { border: 0; border-radius: 10px; padding: 0 14px; background: var(--accent); color: var(--accent-ink) }
.send:disabled { opacity: .5; cursor: default }
@media (max-width: 480px) {
  :host { --off: 12px }
  .panel { position: fixed; inset: 0; width: 100vw; max-width: 100vw; height: 100%; max-height: 100%; border-radius: 0 }
}`;

  // ---------- small DOM helpers: every piece of server text goes in as a text node ----------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) {
      node.append(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  // ---------- minimal safe markdown: text nodes only; links limited to http(s) and mailto ----------

  var INLINE = new RegExp(
    [
      '(`[^`\\n]+`)', // 1 code
      '(\\*\\*[^*\\n]+\\*\\*|__[^_\\n]+__)', // 2 bold
      '(\\*[^*\\s][^*\\n]*\\*|(?<![\\w])_[^_\\s][^_\\n]*_(?![\\w]))', // 3 italic
      '(\\[[^\\]\\n]+\\]\\((?:https?:\\/\\/|mailto:)[^\\s)]+\\))', // 4 link
      '(\\[\\d{1,3}\\])', // 5 citation marker
    ].join('|'),
    'g',
  );

  function inline(text, parent, cites) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var found = [];
    while ((match = INLINE.exec(text))) found.push(match);
    found.forEach(function (m) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      last = m.index + m[0].length;
      if (m[1]) parent.append(el('code', {}, [m[1].slice(1, -1)]));
      else if (m[2]) inline(m[2].slice(2, -2), parent.appendChild(el('strong')), cites);
      else if (m[3]) inline(m[3].slice(1, -1), parent.appendChild(el('em')), cites);
      else if (m[4]) {
        var split = m[4].indexOf('](');
        var link = el('a', {
          href: m[4].slice(split + 2, -1),
          target: '_blank',
          rel: 'noopener noreferrer nofollow',
        });
        inline(m[4].slice(1, split), link, cites);
        parent.append(link);
      } else {
        var n = Number(m[5].slice(1, -1));
        var cite = (cites || []).filter(function (c) {
          return c.n === n;
        })[0];
        var shown = cite && cite.shown ? cite.shown : n;
        parent.append(el('sup', { class: 'ref', title: cite ? cite.source_name : null }, ['[' + shown + ']']));
      }
    });
    if (last < text.length) parent.append(text.slice(last));
  }

  var BULLET = /^\s*[-*+]\s+/;
  var NUMBERED = /^\s*\d{1,3}[.)]\s+/;
  var FENCE = /^\s*```/;

  function list(lines, i, pattern, tag, cites) {
    var node = el(tag);
    while (i < lines.length && pattern.test(lines[i])) {
      inline(lines[i].replace(pattern, ''), node.appendChild(el('li')), cites);
      i++;
    }
    return { node: node, next: i };
  }

  /** A line that continues a paragraph: not blank, not a fence, not a list item. */
  function plain(line) {
    return line.trim() && !FENCE.test(line) && !BULLET.test(line) && !NUMBERED.test(line);
  }

  function markdown(text, cites) {
    var frag = document.createDocumentFragment();
    var lines = String(text || '').replace(/\r\n?/g, '\n').split('\n');
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (!line.trim()) {
        i++;
        continue;
      }
      if (FENCE.test(line)) {
        var code = [];
        for (i++; i < lines.length && !FENCE.test(lines[i]); i++) code.push(lines[i]);
        frag.append(el('pre', {}, [el('code', {}, [code.join('\n')])]));
        i++;
        continue;
      }
      if (BULLET.test(line) || NUMBERED.test(line)) {
        var made = BULLET.test(line) ? list(lines, i, BULLET, 'ul', cites) : list(lines, i, NUMBERED, 'ol', cites);
        frag.append(made.node);
        i = made.next;
        continue;
      }
      var p = el('p');
      for (var first = true; i < lines.length && plain(lines[i]); i++, first = false) {
        if (!first) p.append(el('br'));
        var heading = /^#{1,6}\s+/.exec(lines[i]);
        if (heading) inline(lines[i].slice(heading[0].length), p.appendChild(el('strong')), cites);
        else inline(lines[i], p, cites);
      }
      frag.append(p);
    }
    return frag;
  }

  // ---------- server-sent events read from a fetch() body ----------

  function parseFrame(frame) {
    var name = 'message';
    var data = [];
    frame.split('\n').forEach(function (line) {
      if (!line || line.charAt(0) === ':') return;
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') name = value;
      else if (field === 'data') data.push(value);
    });
    if (!data.length) return null;
    try {
      return { event: name, data: JSON.parse(data.join('\n')) };
    } catch (e) {
      return null;
    }
  }

  async function readEvents(body, onEvent) {
    var reader = body.getReader();
    var decoder = new TextDecoder();
    var buffer = '';
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer = (buffer + decoder.decode(chunk.value, { stream: true })).replace(/\r\n?/g, '\n');
      var end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        var frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (frame) onEvent(frame.event, frame.data);
      }
    }
    var rest = parseFrame(buffer);
    if (rest) onEvent(rest.event, rest.data);
  }

  // ---------- configuration from the script tag ----------

  function flag(value) {
    return value !== null && value !== undefined && !/^(false|0|no|off)$/i.test(value);
  }

  var WIDGET_KEY_PREFIX = 'mrwk_';
  var scriptEl = document.currentScript;
  var scriptOrigin = scriptEl && scriptEl.src ? new URL(scriptEl.src, location.href).origin : location.origin;

  /** The credential: a widget key, or (the original MiniRAG's snippets) an API token, with a warning. */
  function credential(widgetKey, apiToken) {
    if (widgetKey) return widgetKey;
    if (apiToken && apiToken.indexOf(WIDGET_KEY_PREFIX) !== 0) {
      console.warn(
        '[minirag-widget] data-api-token puts an API token in a public page: anyone can read it and use ' +
          'your whole account with it. Create a widget key for this bot (dashboard: Bot profiles, Embed), ' +
          'which only chats with this bot from your sites, and use data-widget-key instead.',
      );
    }
    return apiToken || '';
  }

  function readConfig(script) {
    var data = script.dataset;
    var theme = {};
    if (data.theme) {
      try {
        theme = JSON.parse(data.theme) || {};
      } catch (e) {
        console.warn('[minirag-widget] data-theme is not valid JSON; ignored');
      }
    }
    THEME_VARS.forEach(function (name) {
      var key =
        'theme' +
        name.replace(/(^|-)([a-z])/g, function (_, __, c) {
          return c.toUpperCase();
        });
      if (data[key]) theme[name] = data[key];
    });
    return {
      botId: data.botId || '',
      apiUrl: (data.apiUrl || (script.src ? new URL(script.src, location.href).origin : scriptOrigin)).replace(
        /\/+$/,
        '',
      ),
      key: credential(data.widgetKey, data.apiToken),
      title: data.title || 'Ask us',
      // absent: the bot's greeting, read from the API when the panel first opens; present: this text
      greeting: data.greeting === undefined ? null : data.greeting,
      placeholder: data.placeholder || 'Type your question…',
      position: data.position === 'left' ? 'left' : 'right',
      open: flag(data.open),
      theme: theme,
    };
  }

  // ---------- the widget ----------

  var uid = 0;
  var BUBBLE = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z';
  var THUMB = 'M2 10h4v11H2zM8 10l4-7c1-1 3-.5 3 1.5L14 9h6c1.2 0 2 1 1.8 2.2L20.4 19c-.2 1.2-1.1 2-2.4 2H8z';

  function icon(d, cls) {
    var svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    if (cls) svg.setAttribute('class', cls);
    var path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  }

  function Widget(config, host) {
    this.config = config;
    this.hostEl = host || null;
    this.id = 'mrw' + ++uid;
    this.storeKey = STORE_PREFIX + config.botId;
    this.state = this.load();
    this.busy = false;
    this.synced = false;
    this.build();
    this.renderAll();
    if (config.open) this.open(false);
  }

  Widget.prototype.build = function () {
    var c = this.config;
    var host = (this.host = this.hostEl || el('minirag-widget'));
    host.setAttribute('data-position', c.position);
    Object.keys(c.theme).forEach(function (name) {
      if (/^[a-z][a-z-]*$/.test(name)) host.style.setProperty('--mrw-' + name, String(c.theme[name]));
    });
    var root = (this.root = host.attachShadow({ mode: 'open' }));
    if (
      root.adoptedStyleSheets !== undefined &&
      typeof CSSStyleSheet === 'function' &&
      CSSStyleSheet.prototype.replaceSync
    ) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS); // constructed sheets need no 'unsafe-inline' under a page's CSP
      root.adoptedStyleSheets = [sheet];
    } else {
      root.append(el('style', {}, [CSS]));
    }
    this.launcher = el(
      'button',
      {
        class: 'launcher',
        type: 'button',
        'aria-label': 'Open chat: ' + c.title,
        'aria-expanded': 'false',
        'aria-controls': this.id + '-panel',
      },
      [icon(BUBBLE)],
    );
    this.titleEl = el('h2', { id: this.id + '-title' }, [c.title]);
    this.resetBtn = el('button', { type: 'button', 'aria-label': 'Start a new conversation' }, ['New']);
    this.closeBtn = el('button', { type: 'button', 'aria-label': 'Close chat' }, ['✕']);
    this.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation' });
    this.input = el('textarea', {
      rows: '1',
      'aria-label': 'Message',
      placeholder: c.placeholder,
      maxlength: '32000',
    });
    this.sendBtn = el('button', { class: 'send', type: 'submit', 'aria-label': 'Send' }, ['Send']);
    this.form = el('form', { 'aria-label': 'Send a message' }, [this.input, this.sendBtn]);
    this.panel = el(
      'div',
      {
        class: 'panel',
        id: this.id + '-panel',
        role: 'dialog',
        'aria-modal': 'false',
        'aria-labelledby': this.id + '-title',
        hidden: '',
      },
      [el('header', {}, [this.titleEl, this.resetBtn, this.closeBtn]), this.log, this.form],
    );
    root.append(this.panel, this.launcher);
    this.wire();
    if (!host.isConnected) document.body.append(host);
  };

  Widget.prototype.wire = function () {
    var self = this;
    this.launcher.addEventListener('click', function () {
      self.isOpen() ? self.close() : self.open(true);
    });
    this.closeBtn.addEventListener('click', function () {
      self.close();
    });
    this.resetBtn.addEventListener('click', function () {
      self.reset();
    });
    this.form.addEventListener('submit', function (e) {
      e.preventDefault();
      self.send();
    });
    this.input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        self.send();
      }
    });
    this.root.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && self.isOpen()) {
        e.preventDefault();
        self.close();
      }
    });
  };

  Widget.prototype.isOpen = function () {
    return !this.panel.hidden;
  };

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.setAttribute('aria-label', 'Close chat: ' + this.config.title);
    this.scroll();
    if (focus !== false) this.input.focus();
    if (!this.synced) {
      this.sync();
      if (this.config.greeting === null) this.loadGreeting();
    }
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.setAttribute('aria-label', 'Open chat: ' + this.config.title);
    this.launcher.focus();
  };

  Widget.prototype.reset = function () {
    this.state = { chatId: null, messages: [] };
    this.save();
    this.renderAll();
    this.input.focus();
  };

  // ---------- persistence: one conversation per bot in localStorage ----------

  Widget.prototype.load = function () {
    try {
      var saved = JSON.parse(localStorage.getItem(this.storeKey) || 'null');
      if (saved && Array.isArray(saved.messages)) return saved;
    } catch (e) {
      // storage blocked or corrupt: start fresh
    }
    return { chatId: null, messages: [] };
  };

  Widget.prototype.save = function () {
    var messages = this.state.messages.filter(worthKeeping).slice(-MAX_STORED).map(function (m) {
      return {
        role: m.role,
        content: m.content,
        sources: m.sources || [],
        id: m.id || null,
        feedback: m.feedback || null,
        error: '',
      };
    });
    try {
      localStorage.setItem(this.storeKey, JSON.stringify({ chatId: this.state.chatId, messages: messages }));
    } catch (e) {
      // private mode or quota: the conversation simply does not survive a reload
    }
  };

  /** Refreshes a stored conversation from the server (feedback, answers stored after a reload). */
  Widget.prototype.sync = async function () {
    this.synced = true;
    if (!this.state.chatId || this.busy) return;
    try {
      var res = await this.request('GET', '/v1/chat/' + encodeURIComponent(this.state.chatId) + '/messages');
      if (res.status === 404) return this.reset();
      if (!res.ok || this.busy) return;
      var messages = await res.json();
      this.state.messages = messages.filter(worthKeeping).map(function (m) {
        return {
          role: m.role,
          content: m.content,
          sources: m.sources || [],
          id: m.id,
          feedback: m.feedback,
          error: m.error || '',
        };
      });
      this.save();
      this.renderAll();
    } catch (e) {
      // offline: keep what localStorage had
    }
  };

  /** The bot's greeting (a bot setting): shown above the conversation; none when the API has none. */
  Widget.prototype.loadGreeting = async function () {
    this.config.greeting = '';
    try {
      var path = '/v1/bot-profiles/' + encodeURIComponent(this.config.botId) + '/widget-settings';
      var res = await this.request('GET', path);
      if (!res.ok) return; // an older server, or a key problem that the first question reports
      var greeting = (await res.json()).greeting;
      if (!greeting || this.config.greeting) return;
      this.config.greeting = String(greeting);
      this.log.prepend(this.greetingEl());
    } catch (e) {
      // offline: no greeting
    }
  };

  // ---------- talking to the API ----------

  Widget.prototype.request = function (method, path, body) {
    var headers = { Authorization: 'Bearer ' + this.config.key };
    if (body) headers['Content-Type'] = 'application/json';
    if (path === '/v1/chat') headers.Accept = 'text/event-stream';
    return fetch(this.config.apiUrl + path, {
      method: method,
      headers: headers,
      mode: 'cors',
      credentials: 'omit',
      body: body ? JSON.stringify(body) : undefined,
    });
  };

  async function errorText(res) {
    var detail = '';
    try {
      var body = await res.json();
      detail = typeof body.detail === 'string' ? body.detail : '';
    } catch (e) {
      detail = '';
    }
    if (res.status === 429) {
      var wait = res.headers.get('Retry-After');
      return 'Too many messages. Please try again' + (wait ? ' in ' + wait + ' seconds.' : ' later.');
    }
    // The developer's reason goes to the console (for the site's owner); the visitor reads plain words.
    console.warn('[minirag-widget] HTTP ' + res.status + (detail ? ': ' + detail : ''));
    if (res.status === 401 || res.status === 403) return 'This chat is not available on this page.';
    if (res.status === 404) return 'This assistant is not available.';
    if (res.status === 422) return 'The assistant is not set up to answer yet.';
    return UNAVAILABLE;
  }

  var UNAVAILABLE = 'The assistant could not answer right now. Please try again in a moment.';

  /** Failed turns are not kept: an old error bubble must not greet the visitor on the next page. */
  function worthKeeping(m) {
    return !(m.role === 'assistant' && m.error && !m.content);
  }

  Widget.prototype.send = async function () {
    var text = this.input.value.trim();
    if (!text || this.busy) return;
    this.input.value = '';
    this.setBusy(true);
    this.state.messages.push({ role: 'user', content: text });
    var reply = {
      role: 'assistant',
      content: '',
      sources: [],
      id: null,
      feedback: null,
      error: '',
      pending: true,
    };
    this.state.messages.push(reply);
    this.renderAll();
    var body = { bot_profile_id: this.config.botId, message: text, stream: true };
    if (this.state.chatId) body.chat_id = this.state.chatId;
    try {
      var res = await this.request('POST', '/v1/chat', body);
      if (!res.ok) reply.error = await errorText(res);
      else await this.stream(res, reply);
    } catch (e) {
      console.warn("[minirag-widget] request failed; is this page's origin allowed for the widget key?", e);
      reply.error = reply.content
        ? 'The answer was interrupted.'
        : 'Could not reach the assistant. Please try again later.';
    }
    reply.pending = false;
    this.save();
    this.renderAll();
    this.setBusy(false);
    this.input.focus();
  };

  Widget.prototype.stream = async function (res, reply) {
    var self = this;
    var finished = false;
    await readEvents(res.body, function (event, data) {
      if (event === 'sources') reply.sources = data.sources || [];
      else if (event === 'delta') reply.content += data.content || '';
      else if (event === 'done') {
        finished = true;
        reply.id = data.message_id;
        self.state.chatId = data.chat_id;
      } else if (event === 'error') {
        finished = true;
        console.warn('[minirag-widget] the answer failed: ' + (data.detail || 'no reason given'));
        reply.error = UNAVAILABLE;
        reply.id = data.message_id || null;
        if (data.chat_id) self.state.chatId = data.chat_id;
      }
      self.renderLast();
    });
    if (!finished) reply.error = 'The answer was interrupted. Please try again.';
  };

  Widget.prototype.feedback = async function (message, value, row) {
    var next = message.feedback === value ? null : value;
    var path =
      '/v1/chat/' +
      encodeURIComponent(this.state.chatId) +
      '/messages/' +
      encodeURIComponent(message.id) +
      '/feedback';
    var note = row.querySelector('.fb-error');
    try {
      var res = await this.request('PATCH', path, { feedback: next });
      if (!res.ok) throw new Error(await errorText(res));
      message.feedback = next;
      if (note) note.remove();
      row.querySelectorAll('button').forEach(function (b) {
        b.setAttribute('aria-pressed', b.dataset.value === next ? 'true' : 'false');
      });
      this.save();
    } catch (e) {
      if (!note) row.append((note = el('span', { class: 'fb-error', role: 'alert' })));
      note.textContent = 'Feedback not saved: ' + e.message;
    }
  };

  // ---------- rendering ----------

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendBtn.disabled = busy;
    this.log.setAttribute('aria-busy', busy ? 'true' : 'false');
  };

  Widget.prototype.greetingEl = function () {
    return el('div', { class: 'msg assistant greeting' }, [
      el('div', { class: 'bubble' }, [markdown(this.config.greeting)]),
    ]);
  };

  Widget.prototype.renderAll = function () {
    var self = this;
    this.log.replaceChildren();
    if (this.config.greeting) this.log.append(this.greetingEl());
    this.state.messages.forEach(function (m) {
      self.log.append(self.renderMessage(m));
    });
    this.scroll();
  };

  Widget.prototype.renderLast = function () {
    var self = this;
    if (this.frame) return;
    this.frame = requestAnimationFrame(function () {
      self.frame = 0;
      var last = self.state.messages[self.state.messages.length - 1];
      if (self.log.lastChild && last) self.log.replaceChild(self.renderMessage(last), self.log.lastChild);
      self.scroll();
    });
  };

  /** The cited passages in the order the answer first cites them, each with `shown`: its number here
   * (1, 2, ...), so an answer citing only [2] reads [1], as its list does. */
  function cited(message) {
    var byN = {};
    (message.sources || []).forEach(function (c) {
      byN[c.n] = c;
    });
    var order = [];
    (message.content.match(/\[\d{1,3}\]/g) || []).forEach(function (m) {
      var c = byN[Number(m.slice(1, -1))];
      if (c && order.indexOf(c) < 0) order.push(c);
    });
    return order.map(function (c, i) {
      return Object.assign({}, c, { shown: i + 1 });
    });
  }

  Widget.prototype.renderMessage = function (m) {
    var self = this;
    var node = el('div', { class: 'msg ' + m.role, 'data-message-id': m.id || null });
    if (m.role === 'user') {
      node.append(el('div', { class: 'bubble' }, [m.content]));
      return node;
    }
    if (m.content || (m.pending && !m.error)) {
      var bubble = el('div', { class: 'bubble' });
      if (m.content) bubble.append(markdown(m.content, cited(m)));
      else bubble.append(el('span', { class: 'typing', 'aria-label': 'Thinking' }, ['•••']));
      node.append(bubble);
    }
    if (m.error) node.append(el('div', { class: 'error', role: 'alert' }, [m.error]));
    var cites = m.pending ? [] : cited(m);
    if (cites.length) {
      node.append(
        el(
          'ol',
          { class: 'cites', 'aria-label': 'Sources' },
          cites.map(function (c) {
            var snippet = el('span', { class: 'snip' }, [c.content || '']);
            return el('li', {}, [
              el('details', {}, [
                el('summary', {}, [el('span', { class: 'n' }, ['[' + c.shown + '] ']), c.source_name]),
                snippet,
              ]),
            ]);
          }),
        ),
      );
    }
    if (m.id && !m.pending && m.content) {
      var row = el('div', { class: 'fb' });
      [
        ['positive', 'up', 'Helpful'],
        ['negative', 'down', 'Not helpful'],
      ].forEach(function (b) {
        var btn = el(
          'button',
          {
            type: 'button',
            'data-value': b[0],
            'aria-label': b[2],
            'aria-pressed': m.feedback === b[0] ? 'true' : 'false',
          },
          [icon(THUMB, b[1])],
        );
        btn.addEventListener('click', function () {
          self.feedback(m, b[0], row);
        });
        row.append(btn);
      });
      node.append(row);
    }
    return node;
  };

  Widget.prototype.scroll = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  // ---------- start ----------

  var instances = [];

  function start(config, host) {
    if (!config.botId || !config.key) {
      console.error('[minirag-widget] data-bot-id and data-widget-key (or data-api-token) are required');
      return;
    }
    instances.push(new Widget(config, host));
  }

  /** The original MiniRAG's element snippet: <minirag-widget bot-id api-url api-token title>. */
  function elementConfig(node) {
    var attr = function (name) {
      return node.getAttribute(name) || '';
    };
    var base = readConfig({ dataset: {} });
    base.botId = attr('bot-id');
    base.apiUrl = (attr('api-url') || scriptOrigin).replace(/\/+$/, '');
    base.key = credential(attr('widget-key'), attr('api-token'));
    base.title = attr('title') || base.title;
    if (node.hasAttribute('greeting')) base.greeting = attr('greeting');
    return base;
  }

  function startAll() {
    // A tag without data-bot-id only loads the script for <minirag-widget> elements; it starts no widget
    // of its own (another tag's widget is that tag's to start).
    var script = scriptEl || document.querySelector('script[data-bot-id][src*="minirag-widget"]');
    if (script && script.hasAttribute('data-bot-id')) start(readConfig(script));
    document.querySelectorAll('minirag-widget[bot-id]').forEach(function (node) {
      if (!node.shadowRoot) start(elementConfig(node), node);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', startAll);
  else startAll();

  window.MiniRAGWidget = {
    version: VERSION,
    open: function () {
      instances.forEach(function (w) {
        w.open(true);
      });
    },
    close: function () {
      instances.forEach(function (w) {
        w.close();
      });
    },
    reset: function () {
      instances.forEach(function (w) {
        w.reset();
      });
    },
  };
})();
