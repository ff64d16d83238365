// Settings: the tenant, the signed-in identity, the API's health (detailed for admins), dashboard config.
import * as api from '../api.js';
import { number } from '../format.js';
import { page } from '../page.js';
import { componentList } from './overview.js';

const QUEUE_NAMES = { ingest: 'Ingest', ingest_dlq: 'Ingest DLQ', webhooks: 'Webhooks', webhooks_dlq: 'Webhooks DLQ' };

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

    version() {
      const report = this.detailed || this.health;
      return (report && report.version) || '—';
    },

    docsUrl() {
      return `${this.$store.session.config.apiBaseUrl}/docs`;
    },

    /** Queue depths as rows: {waiting, in_flight} per queue, or a queue that could not be read ("down"). */
    queues() {
      const depths = (this.detailed && this.detailed.queues) || {};
      return Object.entries(depths).map(([name, depth]) => {
        const known = depth && typeof depth === 'object';
        const stuck = known && name.endsWith('_dlq') && depth.waiting > 0; // dead letters need a person
        return {
          key: name,
          name: QUEUE_NAMES[name] || label(name),
          waiting: known ? number(depth.waiting) : '—',
          inFlight: known ? number(depth.in_flight) : '—',
          status: known ? (stuck ? 'degraded' : 'ok') : String(depth),
        };
      });
    },

    /** The detailed report's configuration as [{name, value}] (its other keys are components and queues,
     * or the original MiniRAG's postgres/qdrant/redis aliases of the components, shown above). */
    extras() {
      const config = (this.detailed && this.detailed.configuration) || {};
      return Object.entries(config).map(([key, value]) => ({ name: label(key), value: text(value) }));
    },
  });
}

function label(key) {
  return key.replace(/_/g, ' ');
}

/** A value as a person reads it: never "[object Object]". */
function text(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (Array.isArray(value)) return value.map(text).join(', ');
  if (typeof value === 'object')
    return Object.entries(value)
      .map(([k, v]) => `${label(k)} ${text(v)}`)
      .join(', ');
  return String(value);
}
