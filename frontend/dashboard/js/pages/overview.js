// Health, counts and quick actions. Counts come from /v1/stats/overview, or from the lists without it.
import * as api from '../api.js';
import { page } from '../page.js';

export function overviewPage() {
  return page({
    health: null,
    counts: null,
    stats: null,

    async init() {
      this.loading = true;
      await Promise.all([this.loadHealth(), this.loadCounts()]);
      this.loading = false;
    },

    async loadHealth() {
      try {
        this.health = await api.get('/v1/system/health');
      } catch (e) {
        this.health = { status: 'unreachable', components: {}, detail: e.message };
      }
    },

    async loadCounts() {
      try {
        this.stats = await api.get('/v1/stats/overview');
        this.counts = { bots: this.stats.bot_profiles, sources: this.stats.sources, chats: this.stats.chats };
        await this.countTopLevelSources();
        return;
      } catch (e) {
        if (!e.missingRoute) this.error = e.message;
      }
      await this.attempt(async () => {
        const [bots, sources, chats] = await Promise.all([
          api.getAll('/v1/bot-profiles'),
          api.getAll('/v1/sources'),
          api.call('GET', '/v1/chat', { query: { limit: 200 } }),
        ]);
        const more = chats.headers.get('X-Next-Cursor') ? '+' : '';
        this.counts = { bots: bots.length, sources: sources.length, chats: `${chats.data.length}${more}` };
      });
    },

    /** The stats count a sitemap's or batch's pages as sources; the Sources page lists only what was added:
     * count as it does (one page of up to 200), and say how many pages come on top. */
    async countTopLevelSources() {
      try {
        const listed = await api.call('GET', '/v1/sources', { query: { limit: 200 } });
        const more = listed.headers.get('X-Next-Cursor');
        const pages = more ? 0 : this.stats.sources - listed.data.length;
        this.counts.sources = `${listed.data.length}${more ? '+' : ''}`;
        this.counts.pages = pages > 0 ? pages : 0;
      } catch {
        // keep the stats' count
      }
    },

    components() {
      return componentList(this.health);
    },
  });
}

export function componentList(health) {
  const parts = (health && health.components) || {};
  return Object.entries(parts).map(([name, value]) => {
    const status = typeof value === 'object' && value !== null ? value.status || 'ok' : String(value);
    const detail = typeof value === 'object' && value !== null ? value.detail || value.error || '' : '';
    return { name, status, detail };
  });
}
