// Widget keys of one bot (allowed origins, limits) and the one-line embed snippet.
import * as api from '../api.js';
import { copyText, lines } from '../format.js';
import { page } from '../page.js';

const PLACEHOLDER = 'YOUR_WIDGET_KEY';
// the server's defaults for a key's limits (POST /v1/bot-profiles/{id}/widget-keys)
export const KEY_DEFAULTS = { rate_limit_per_minute: 30, max_messages_per_day: 1000 };

function blankKeyForm() {
  return { name: 'Website', origins: '', rate_limit_per_minute: '', max_messages_per_day: '' };
}

export function embedPanel(botId, botName) {
  return page({
    botId,
    botName,
    keys: [],
    lastKey: '',
    confirming: null,
    form: blankKeyForm(),
    defaults: KEY_DEFAULTS,
    snippetKind: 'script', // script | element | styling: the original MiniRAG's three embed tabs

    async init() {
      await this.load();
    },

    path(suffix = '') {
      return `/v1/bot-profiles/${this.botId}/widget-keys${suffix}`;
    },

    async load() {
      if (!this.$store.session.isAdmin) return;
      const keys = await this.attempt(() => api.getAll(this.path()));
      if (keys) this.keys = keys;
    },

    async create() {
      const body = { name: this.form.name.trim(), allowed_origins: lines(this.form.origins) };
      for (const f of ['rate_limit_per_minute', 'max_messages_per_day']) {
        if (String(this.form[f]).trim() !== '') body[f] = Number(this.form[f]);
      }
      const made = await this.attempt(() => api.post(this.path(), body));
      if (!made) return;
      this.form = blankKeyForm();
      this.lastKey = made.raw_key || made.key || made.widget_key || '';
      this.$store.secret.show(
        `Widget key "${body.name}"`,
        this.lastKey,
        'Shown once. It is public by design: it only chats with this bot, from the origins you listed.',
      );
      await this.load();
    },

    askRevoke(key) {
      this.confirming = key.id;
    },

    async revoke(key) {
      this.confirming = null;
      const done = await this.attempt(() => api.del(this.path(`/${key.id}`)).then(() => true));
      if (done) {
        this.toast(`Widget key "${key.name}" revoked`);
        await this.load();
      }
    },

    origins(key) {
      return (key.allowed_origins || []).join(', ') || '—';
    },

    snippet() {
      const { apiBaseUrl, widgetScriptUrl } = this.$store.session.config;
      const title = String(this.botName || 'Assistant').replace(/[&"<>]/g, '');
      const key = this.lastKey || PLACEHOLDER;
      if (this.snippetKind === 'element') {
        return [
          `<script src="${widgetScriptUrl}" async></script>`,
          `<minirag-widget bot-id="${this.botId}" api-url="${apiBaseUrl}"`,
          `  widget-key="${key}" title="${title}"></minirag-widget>`,
        ].join('\n');
      }
      const tag = [
        `<script src="${widgetScriptUrl}" async`,
        `  data-bot-id="${this.botId}"`,
        `  data-api-url="${apiBaseUrl}"`,
        `  data-widget-key="${key}"`,
        `  data-title="${title}"`,
      ];
      if (this.snippetKind === 'styling') {
        tag.push(
          '  data-theme-accent="#0f766e"',
          '  data-theme-radius="6px"',
          '  data-theme-font="system-ui, sans-serif"',
          '  data-placeholder="Ask about our products…"',
        );
      }
      tag.push('  data-position="right"></script>');
      return tag.join('\n');
    },

    setSnippet(kind) {
      this.snippetKind = kind;
    },

    async copySnippet() {
      this.toast(
        (await copyText(this.snippet())) ? 'Snippet copied' : 'Copy failed: select the text instead',
        'ok',
      );
    },
  });
}
