// Sign in (email + password, tenant slug when the email exists in several tenants), an API token, or sign-up.
import * as api from '../api.js';
import { page } from '../page.js';

export function loginPage() {
  return page({
    mode: 'login',
    email: '',
    password: '',
    slug: '',
    needSlug: false,
    apiToken: '',
    signup: { tenant_name: '', tenant_slug: '', owner_email: '', owner_password: '', owner_display_name: '' },
    slugTouched: false,

    setMode(mode) {
      this.mode = mode;
      this.error = '';
    },

    async submitLogin() {
      this.loading = true;
      await this.attempt(async () => {
        try {
          await this.signIn(this.email, this.password, this.slug);
        } catch (e) {
          if (e.status === 409) this.needSlug = true;
          if (e.status === 401) throw new Error('Wrong email, password or tenant.');
          throw e;
        }
      });
      this.loading = false;
    },

    async signIn(email, password, slug) {
      const body = { email, password };
      if (slug) body.tenant_slug = slug.trim();
      const { data } = await api.call('POST', '/v1/auth/login', { body, auth: false });
      await this.$store.session.begin(data.access_token);
    },

    async submitToken() {
      this.loading = true;
      await this.attempt(async () => {
        try {
          await this.$store.session.begin(this.apiToken.trim());
        } catch (e) {
          this.$store.session.clear();
          throw e.status === 401 ? new Error('This API token is not valid.') : e;
        }
      });
      this.loading = false;
    },

    suggestSlug() {
      if (this.slugTouched) return;
      this.signup.tenant_slug = this.signup.tenant_name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 100);
    },

    touchSlug() {
      this.slugTouched = true;
    },

    async submitSignup() {
      this.loading = true;
      await this.attempt(async () => {
        const body = { ...this.signup };
        if (!body.owner_display_name) delete body.owner_display_name;
        const { data } = await api.call('POST', '/v1/tenants', { body, auth: false });
        await this.signIn(body.owner_email, body.owner_password, body.tenant_slug);
        this.$store.secret.show(
          'Your tenant owner API token',
          data.api_token,
          'Shown once. Use it for scripts and the API; the dashboard keeps you signed in with your password.',
        );
      });
      this.loading = false;
    },
  });
}
