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
      if (this.$store.session.isAdmin)
        this.detailed = await this.attempt(() => api.get('/v1/system/health/detailed'));
    },

    components(report) {
      return componentList(report);
    },

    /** The detailed report's other facts, one level of nesting flattened: [{name, value}]. */
    extras() {
      const facts = [];
      for (const [name, value] of Object.entries(this.detailed || {})) {
        if (name === 'components' || name === 'status') continue;
        if (value && typeof value === 'object') {
          for (const [key, inner] of Object.entries(value))
            facts.push({ name: key.replace(/_/g, ' '), value: String(inner) });
        } else {
          facts.push({ name: name.replace(/_/g, ' '), value: String(value) });
        }
      }
      return facts;
    },
  });
}
