// Users of the tenant (admin+): invite with a password, change role, reset password, deactivate.
import * as api from '../api.js';
import { page } from '../page.js';

export function usersPage() {
  return page({
    users: [],
    form: { email: '', password: '', display_name: '', role: 'member' },
    passwordFor: null,
    newPassword: '',
    confirming: null,

    async init() {
      await this.load();
    },

    async load() {
      this.loading = true;
      const users = await this.attempt(() => api.getAll('/v1/users'));
      if (users) this.users = users;
      this.loading = false;
    },

    roles() {
      return this.$store.session.isOwner ? ['member', 'admin', 'owner'] : ['member', 'admin'];
    },

    /** Admins cannot change owners; nobody edits themselves from this table. */
    editable(user) {
      const me = this.$store.session.me && this.$store.session.me.user;
      if (me && me.id === user.id) return false;
      return this.$store.session.isOwner || user.role !== 'owner';
    },

    async create() {
      const body = { ...this.form, email: this.form.email.trim() };
      if (!body.display_name) delete body.display_name;
      const made = await this.attempt(() => api.post('/v1/users', body));
      if (!made) return;
      this.toast(`User ${made.email} added`);
      this.form = { email: '', password: '', display_name: '', role: 'member' };
      await this.load();
    },

    async update(user, changes, message) {
      const saved = await this.attempt(() => api.patch(`/v1/users/${user.id}`, changes));
      if (saved) this.toast(message);
      await this.load();
      return saved;
    },

    setRole(user, role) {
      return this.update(user, { role }, `${user.email} is now ${role}`);
    },

    reactivate(user) {
      return this.update(user, { is_active: true }, `${user.email} reactivated`);
    },

    askDeactivate(user) {
      this.confirming = user.id;
    },

    async deactivate(user) {
      this.confirming = null;
      if (await this.attempt(() => api.del(`/v1/users/${user.id}`).then(() => true))) {
        this.toast(`${user.email} deactivated`);
      }
      await this.load();
    },

    startPassword(user) {
      this.passwordFor = user.id;
      this.newPassword = '';
    },

    async savePassword(user) {
      if (await this.update(user, { password: this.newPassword }, `Password of ${user.email} changed`)) {
        this.passwordFor = null;
      }
    },
  });
}
