// Who is signed in: the bearer token (kept in sessionStorage, so it ends with the tab), GET /v1/auth/me, role.
import * as api from './api.js';

const KEY = 'minirag.dashboard.token';
const RANK = { member: 1, admin: 2, owner: 3 };

export function sessionStore() {
  return {
    ready: false,
    token: null,
    me: null,
    role: null,
    notice: '',
    config: {},

    get signedIn() {
      return Boolean(this.token && this.me);
    },
    get isAdmin() {
      return (RANK[this.role] || 0) >= RANK.admin;
    },
    get isOwner() {
      return this.role === 'owner';
    },
    get tenantName() {
      return this.me ? this.me.tenant.name : '';
    },
    get who() {
      const user = this.me && this.me.user;
      return user ? user.display_name || user.email : 'API token';
    },

    async init() {
      this.config = await api.loadConfig();
      api.onUnauthorized(() => this.clear('Your session has ended. Please sign in again.'));
      const saved = sessionStorage.getItem(KEY);
      if (saved) {
        try {
          await this.begin(saved);
        } catch {
          this.clear(this.notice); // keeps "your session has ended" when the saved token expired
        }
      }
      this.ready = true;
    },

    async begin(token) {
      api.setToken(token);
      const me = await api.get('/v1/auth/me');
      sessionStorage.setItem(KEY, token);
      Object.assign(this, { token, me, role: me.role, notice: '' });
    },

    async logout() {
      if (this.me && this.me.auth === 'user') {
        try {
          await api.post('/v1/auth/logout');
        } catch {
          // the session is dropped locally either way
        }
      }
      this.clear('You are signed out.');
    },

    clear(notice = '') {
      sessionStorage.removeItem(KEY);
      api.setToken(null);
      Object.assign(this, { token: null, me: null, role: null, notice });
    },
  };
}
