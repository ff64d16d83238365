// Bot profiles: list, create, edit, deactivate; an opened bot has tabs for Try it, Embed and Evaluations.
import * as api from '../api.js';
import { page } from '../page.js';

const NUMBERS = [
  'temperature', 'max_tokens', 'top_k', 'score_threshold', 'chunk_size', 'chunk_overlap', 'curated_threshold',
];
const NULLABLE = ['score_threshold', 'chunk_size', 'chunk_overlap', 'curated_threshold'];
const TEXTS = [
  'name', 'description', 'model', 'embedding_model', 'rerank_model', 'system_prompt', 'retrieval_mode',
  'greeting',
];
// empty on edit: back to null
const CLEARABLE = ['description', 'system_prompt', 'retrieval_mode', 'rerank_model', 'greeting'];
const SECRETS = [
  'api_key', 'api_base', 'embedding_api_key', 'embedding_api_base', 'rerank_api_key', 'rerank_api_base',
];

function blankForm() {
  const form = { clear_credentials: false };
  for (const f of [...TEXTS, ...NUMBERS, ...SECRETS]) form[f] = '';
  return form;
}

export function botsPage() {
  return page({
    bots: [],
    selected: null,
    tab: 'try',
    editing: null, // null | 'new' | bot id
    form: blankForm(),
    confirming: null,
    defaults: {}, // what blank fields stand for (GET /v1/system/health/detailed: bot_defaults)
    modelProblems: {}, // bot id -> why its model cannot answer (GET /v1/bot-profiles/{id}/model-check)

    async init() {
      await this.load();
      if (this.params.id) this.open(this.params.id);
      else if (this.params.new && this.$store.session.isAdmin) this.startNew();
    },

    async load() {
      this.loading = true;
      const bots = await this.attempt(() => api.getAll('/v1/bot-profiles'));
      if (bots) this.bots = bots;
      this.loading = false;
    },

    /** Clears first so the bot's panels (Try it, Embed) are built afresh for the newly opened bot. */
    open(id) {
      this.selected = null;
      this.editing = null;
      this.tab = 'try';
      this.$nextTick(() => (this.selected = this.bots.find((b) => b.id === id) || null));
      this.checkModel(id);
    },

    /** Asks whether a chat with the bot would be refused for want of a key; no hint from an older server. */
    async checkModel(id) {
      try {
        const check = await api.get(`/v1/bot-profiles/${id}/model-check`);
        this.modelProblems = { ...this.modelProblems, [id]: check.ready ? '' : check.problem };
      } catch {
        this.modelProblems = { ...this.modelProblems, [id]: '' };
      }
    },

    modelProblem(bot) {
      return (bot && this.modelProblems[bot.id]) || '';
    },

    async loadDefaults() {
      if (Object.keys(this.defaults).length) return;
      try {
        this.defaults = (await api.get('/v1/system/health/detailed')).bot_defaults || {};
      } catch {
        this.defaults = {};
      }
    },

    /** "0.2" for a blank temperature, from the server's defaults; a blank score threshold means none. */
    placeholder(field) {
      if (field === 'score_threshold') return 'none';
      if (field === 'curated_threshold') return 'server default';
      const value = this.defaults[field];
      return value === undefined || value === null ? '' : String(value);
    },

    close() {
      this.selected = null;
    },

    setTab(tab) {
      this.tab = tab;
    },

    startNew() {
      this.selected = null;
      this.form = blankForm();
      this.editing = 'new';
      this.loadDefaults();
    },

    startEdit(bot) {
      const form = blankForm();
      for (const f of [...TEXTS, ...NUMBERS]) form[f] = bot[f] ?? '';
      this.form = form;
      this.editing = bot.id;
      this.loadDefaults();
    },

    cancelEdit() {
      this.editing = null;
    },

    payload() {
      const body = {};
      for (const f of TEXTS) {
        const value = String(this.form[f] ?? '').trim();
        if (value) body[f] = value;
        else if (this.editing !== 'new' && CLEARABLE.includes(f)) body[f] = null;
      }
      for (const f of NUMBERS) {
        const value = String(this.form[f] ?? '').trim();
        if (value !== '') body[f] = Number(value);
        else if (this.editing !== 'new' && NULLABLE.includes(f)) body[f] = null;
      }
      const credentials = {};
      for (const f of SECRETS) if (this.form[f].trim()) credentials[f] = this.form[f].trim();
      if (this.form.clear_credentials) body.credentials = {};
      else if (Object.keys(credentials).length) body.credentials = credentials;
      return body;
    },

    async save() {
      this.loading = true;
      const creating = this.editing === 'new';
      const saved = await this.attempt(() =>
        creating
          ? api.post('/v1/bot-profiles', this.payload())
          : api.patch(`/v1/bot-profiles/${this.editing}`, this.payload()),
      );
      this.loading = false;
      if (!saved) return;
      this.toast(creating ? `Bot "${saved.name}" created` : `Bot "${saved.name}" saved`);
      this.editing = null;
      await this.load();
      this.open(saved.id);
    },

    askDelete(bot) {
      this.confirming = bot.id;
    },

    async remove(bot) {
      this.confirming = null;
      const done = await this.attempt(() => api.del(`/v1/bot-profiles/${bot.id}`).then(() => true));
      if (!done) return;
      this.toast(`Bot "${bot.name}" deactivated`);
      this.selected = null;
      await this.load();
    },
  });
}
