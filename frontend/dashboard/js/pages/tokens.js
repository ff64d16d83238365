// API tokens: create (the raw token is shown once), list, revoke.
import * as api from '../api.js';
import { page } from '../page.js';

export function tokensPage() {
  return page({
    tokens: [],
    form: { name: '', expires_on: '', role: '' },
    confirming: null,

    async init() {
      await this.load();
    },

    async load() {
      this.loading = true;
      const tokens = await this.attempt(() => api.getAll('/v1/api-tokens'));
      if (tokens) this.tokens = tokens;
      this.loading = false;
    },

    roles() {
      return this.$store.session.isOwner ? ['member', 'admin', 'owner'] : ['member', 'admin'];
    },

    async create() {
      const body = { name: this.form.name.trim() };
      if (this.form.expires_on) body.expires_at = `${this.form.expires_on}T23:59:59Z`;
      if (this.form.role) body.role = this.form.role;
      const made = await this.attempt(() => api.post('/v1/api-tokens', body));
      if (!made) return;
      this.$store.secret.show(
        `API token "${made.name}"`,
        made.raw_token,
        'Shown once: store it in your secret manager now.',
      );
      this.form = { name: '', expires_on: '', role: '' };
      await this.load();
    },

    askRevoke(token) {
      this.confirming = token.id;
    },

    async revoke(token) {
      this.confirming = null;
      if (await this.attempt(() => api.del(`/v1/api-tokens/${token.id}`).then(() => true))) {
        this.toast(`Token "${token.name}" revoked`);
      }
      await this.load();
    },
  });
}
