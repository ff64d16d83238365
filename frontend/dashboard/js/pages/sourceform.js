// The "add a source" form: text, URL, sitemap, batch of URLs, a file upload with a progress bar, or a
// NyxCore knowledge base (searched at question time; its token is write-only).
import * as api from '../api.js';
import { lines } from '../format.js';
import { page } from '../page.js';

const DIRECT_UPLOAD_LIMIT = 4 * 1024 * 1024;

export function sourceForm() {
  return page({
    kind: 'text',
    kinds: [
      { id: 'text', label: 'Text' },
      { id: 'url', label: 'Web page' },
      { id: 'sitemap', label: 'Sitemap' },
      { id: 'batch', label: 'Batch of URLs' },
      { id: 'upload', label: 'File upload' },
      { id: 'nyxcore', label: 'NyxCore' },
    ],
    authorities: ['mandatory', 'guideline', 'informational'],
    baseUrl: 'https://nyxcore.cloud',
    apiToken: '',
    authority: [],
    limit: 10,
    name: '',
    content: '',
    url: '',
    urls: '',
    schedule: 'none',
    ingestNow: true,
    file: null,
    progress: -1,

    pick(kind) {
      this.kind = kind;
      this.error = '';
    },

    chooseFile(event) {
      this.file = event.target.files[0] || null;
      if (this.file && !this.name) this.name = this.file.name;
    },

    async submit() {
      if (!this.botId) {
        this.error = 'Create a bot profile first: sources belong to a bot.';
        return;
      }
      this.loading = true;
      const made = await this.attempt(() => this[`create_${this.kind}`]());
      this.loading = false;
      this.progress = -1;
      if (!made) return;
      this.toast(
        `Source "${made.name}" added${this.ingestNow || this.kind === 'upload' ? ', ingestion queued' : ''}`,
      );
      Object.assign(this, { name: '', content: '', url: '', urls: '', file: null, apiToken: '' });
      if (this.$refs.file) this.$refs.file.value = '';
      await this.created();
    },

    single(source_type, extra) {
      const body = { bot_profile_id: this.botId, name: this.name.trim(), source_type, ...extra };
      return api.post('/v1/sources', body, this.ingestNow ? { ingest: 'true' } : {});
    },

    create_text() {
      return this.single('text', { content: this.content });
    },

    create_url() {
      return this.single('url', { config: { url: this.url.trim() }, refresh_schedule: this.schedule });
    },

    create_sitemap() {
      return this.single('sitemap', { config: { url: this.url.trim() }, refresh_schedule: this.schedule });
    },

    create_nyxcore() {
      const config = { base_url: this.baseUrl.trim(), api_token: this.apiToken, limit: this.limit || 10 };
      if (this.authority.length) config.authority = [...this.authority];
      return this.single('nyxcore', { config });
    },

    async create_batch() {
      const children = lines(this.urls).map((url) => ({ name: url, source_type: 'url', config: { url } }));
      const body = { bot_profile_id: this.botId, name: this.name.trim(), source_type: 'batch', children };
      const made = await api.post('/v1/sources/batch', body);
      if (this.ingestNow) await api.post(`/v1/sources/${made.parent.id}/ingest-children`);
      return made.parent;
    },

    async create_upload() {
      if (!this.file) throw new Error('Choose a file first.');
      this.progress = 0;
      const onProgress = (share) => (this.progress = Math.round(share * 100));
      if (this.file.size <= DIRECT_UPLOAD_LIMIT) {
        const form = new FormData();
        form.append('file', this.file);
        form.append('bot_profile_id', this.botId);
        if (this.name.trim()) form.append('name', this.name.trim());
        return api.upload('/v1/sources/upload', form, onProgress);
      }
      const body = {
        bot_profile_id: this.botId,
        filename: this.file.name,
        content_type: this.file.type || 'application/octet-stream',
        size: this.file.size,
      };
      const slot = await api.post('/v1/sources/upload-url', body);
      await api.putPresigned(slot.upload_url, this.file, slot.headers || {}, onProgress);
      return slot.source;
    },
  });
}
