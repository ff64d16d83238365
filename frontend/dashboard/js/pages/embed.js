// Widget keys of one bot (allowed origins, limits) and the one-line embed snippet.
import * as api from '../api.js';
import { copyText, lines } from '../format.js';
import { page } from '../page.js';

const PLACEHOLDER = 'YOUR_WIDGET_KEY';

export function embedPanel(botId, botName) {
  return page({
    botId,
    botName,
    keys: [],
    lastKey: '',
    confirming: null,
    form: { name: 'Website', origins: '', rate_limit_per_minute: '', max_messages_per_day: '' },

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
      return [
        `<script src="${widgetScriptUrl}" async`,
        `  data-bot-id="${this.botId}"`,
        `  data-api-url="${apiBaseUrl}"`,
        `  data-widget-key="${this.lastKey || PLACEHOLDER}"`,
        `  data-title="${title}"`,
        '  data-position="right"></script>',
      ].join('\n');
    },

    async copySnippet() {
      this.toast(
        (await copyText(this.snippet())) ? 'Snippet copied' : 'Copy failed: select the text instead',
        'ok',
      );
    },
  });
}
