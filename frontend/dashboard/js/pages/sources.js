// Sources of the tenant's bots: live status and progress, ingest, refresh schedule, children, delete.
import * as api from '../api.js';
import { page } from '../page.js';

const POLL_MS = 1500;
const BUSY = ['pending', 'processing'];

export function sourcesPage() {
  let timer = null;
  return page({
    bots: [],
    botId: '',
    sources: [],
    children: {},
    expanded: null,
    confirming: null,
    adding: false,
    schedules: ['none', 'hourly', 'daily', 'weekly'],

    /** Settles what the link asks for before the first await, so a click made meanwhile is not undone. */
    async init() {
      this.botId = this.params.bot || '';
      this.adding = Boolean(this.params.new) && this.$store.session.isAdmin;
      this.bots = (await this.attempt(() => api.getAll('/v1/bot-profiles'))) || [];
      if (!this.botId && this.bots.length) this.botId = this.bots[0].id;
      await this.load();
    },

    destroy() {
      clearTimeout(timer);
    },

    /** Reloads the list, and again every POLL_MS while anything is pending or processing. */
    async load() {
      clearTimeout(timer);
      const query = this.botId ? { bot_profile_id: this.botId, include_inactive: 'true' } : { include_inactive: 'true' };
      const sources = await this.attempt(() => api.getAll('/v1/sources', query));
      if (sources) this.sources = sources;
      if (this.expanded) await this.loadChildren(this.expanded);
      const busy = this.sources.some((s) => BUSY.includes(s.status));
      if (busy) timer = setTimeout(() => this.load(), POLL_MS);
    },

    botName(id) {
      const bot = this.bots.find((b) => b.id === id);
      return bot ? bot.name : id;
    },

    hasChildren(source) {
      return source.children_count > 0 || source.source_type === 'batch' || source.source_type === 'sitemap';
    },

    async toggleChildren(source) {
      this.expanded = this.expanded === source.id ? null : source.id;
      if (this.expanded) await this.loadChildren(source.id);
    },

    async loadChildren(id) {
      const kids = await this.attempt(() => api.getAll(`/v1/sources/${id}/children`));
      if (kids) this.children = { ...this.children, [id]: kids };
    },

    kids(source) {
      return this.children[source.id] || [];
    },

    percent(source) {
      const { done, total } = source.progress || {};
      if (source.status === 'ready') return 100;
      return total ? Math.round((100 * done) / total) : 0;
    },

    /** A bar only while it means something: working (without a total yet: indeterminate) or ready (full). */
    bar(source) {
      if (this.busy(source)) return source.progress && source.progress.total ? 'determinate' : 'indeterminate';
      return source.status === 'ready' ? 'determinate' : 'none';
    },

    /** "3/10" embedding batches; nothing when there were none (a re-ingest of unchanged content). */
    progressText(source) {
      const { done, total } = source.progress || {};
      if (total) return `${done}/${total}`;
      return this.busy(source) ? 'starting' : '';
    },

    chunks(count) {
      return `${count || 0} ${count === 1 ? 'chunk' : 'chunks'}`;
    },

    /** The page, sitemap or remote a source reads from, when it has one. */
    url(source) {
      const config = source.config || {};
      const url = config.url || config.base_url || '';
      return /^https?:\/\//i.test(url) ? url : ''; // a link, so never a javascript: one
    },

    /** A sitemap's child is often named by its URL: then the URL is not repeated under it. */
    childUrl(child) {
      const url = this.url(child);
      return url && !url.startsWith(child.name) ? url : '';
    },

    busy(source) {
      return BUSY.includes(source.status);
    },

    async ingest(source) {
      const path = this.hasChildren(source) ? 'ingest-children' : 'ingest';
      const result = await this.attempt(() => api.post(`/v1/sources/${source.id}/${path}`));
      if (result) this.toast(`Ingestion of "${source.name}" queued`);
      await this.load();
    },

    async setSchedule(source, schedule) {
      const saved = await this.attempt(() =>
        api.patch(`/v1/sources/${source.id}`, { refresh_schedule: schedule }),
      );
      if (saved) this.toast(`"${source.name}" refreshes: ${schedule}`);
      await this.load();
    },

    async setActive(source, active) {
      const saved = await this.attempt(() => api.patch(`/v1/sources/${source.id}`, { is_active: active }));
      if (saved) this.toast(`"${source.name}" ${active ? 'enabled' : 'disabled'}`);
      await this.load();
    },

    askDelete(source) {
      this.confirming = source.id;
    },

    async remove(source) {
      this.confirming = null;
      const done = await this.attempt(() => api.del(`/v1/sources/${source.id}`).then(() => true));
      if (done) this.toast(`"${source.name}" deleted`);
      await this.load();
    },

    openForm() {
      this.adding = true;
    },

    async created() {
      this.adding = false;
      await this.load();
    },
  });
}
