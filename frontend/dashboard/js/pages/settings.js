// Settings: the tenant, the signed-in identity, the API's health (detailed for admins), dashboard config.
import * as api from '../api.js';
import { page } from '../page.js';
import { componentList } from './overview.js';

export function settingsPage() {
  return page({
    tenant: null,
    health: null,
    detailed: null,

    async init() {
      this.tenant = await this.attempt(() => api.get('/v1/tenants/me'));
      this.health = await this.attempt(() => api.get('/v1/system/health'));
      if (this.$store.session.isAdmin) this.detailed = await this.attempt(() => api.get('/v1/system/health/detailed'));
    },

    components(report) {
      return componentList(report);
    },

    extras() {
      const report = this.detailed || {};
      return Object.entries(report)
        .filter(([name]) => name !== 'components' && name !== 'status')
        .map(([name, value]) => ({ name, value: String(value) }));
    },
  });
}
