// "Connect an agent": a bot's agent keys, its MCP endpoint and the config snippets of common MCP clients.
import * as api from '../api.js';
import { copyText } from '../format.js';
import { page } from '../page.js';

const PLACEHOLDER = 'YOUR_AGENT_KEY';

export function agentPanel(botId, botName) {
  return page({
    botId,
    botName,
    keys: [],
    lastKey: '',
    confirming: null,
    client: 'claude-desktop',
    form: { name: 'Claude Desktop', rate_limit_per_minute: '', max_requests_per_day: '' },

    async init() {
      await this.load();
    },

    path(suffix = '') {
      return `/v1/bot-profiles/${this.botId}/agent-keys${suffix}`;
    },

    async load() {
      if (!this.$store.session.isAdmin) return;
      const keys = await this.attempt(() => api.getAll(this.path()));
      if (keys) this.keys = keys;
    },

    async create() {
      const body = { name: this.form.name.trim() };
      for (const f of ['rate_limit_per_minute', 'max_requests_per_day']) {
        if (String(this.form[f]).trim() !== '') body[f] = Number(this.form[f]);
      }
      const made = await this.attempt(() => api.post(this.path(), body));
      if (!made) return;
      this.lastKey = made.key || '';
      this.$store.secret.show(
        `Agent key "${body.name}"`,
        this.lastKey,
        "Shown once. Keep it private: it reads this bot's knowledge (search, ask, sources) and nothing else.",
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
        this.toast(`Agent key "${key.name}" revoked`);
        await this.load();
      }
    },

    endpoint() {
      return `${this.$store.session.config.apiBaseUrl}/v1/mcp/${this.botId}`;
    },

    serverName() {
      const name = String(this.botName || 'knowledge').toLowerCase().replace(/[^a-z0-9]+/g, '-');
      return name.replace(/^-+|-+$/g, '') || 'knowledge';
    },

    snippet() {
      const key = this.lastKey || PLACEHOLDER;
      const name = this.serverName();
      if (this.client === 'claude-code') {
        return `claude mcp add --transport http ${name} ${this.endpoint()} \\\n  --header "Authorization: Bearer ${key}"`;
      }
      if (this.client === 'url') {
        const entry = { url: this.endpoint(), headers: { Authorization: `Bearer ${key}` } };
        return JSON.stringify({ mcpServers: { [name]: entry } }, null, 2);
      }
      const bridge = {
        command: 'npx',
        args: ['-y', 'mcp-remote', this.endpoint(), '--header', 'Authorization:${AUTH_HEADER}'],
        env: { AUTH_HEADER: `Bearer ${key}` },
      };
      return JSON.stringify({ mcpServers: { [name]: bridge } }, null, 2);
    },

    async copySnippet() {
      this.toast(
        (await copyText(this.snippet())) ? 'Configuration copied' : 'Copy failed: select the text instead',
        'ok',
      );
    },
  });
}
