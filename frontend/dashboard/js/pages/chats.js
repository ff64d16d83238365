// Chat history: browse conversations (cursor pages), read messages with citations, feedback, export.
import * as api from '../api.js';
import { chatView } from '../chatview.js';
import { page } from '../page.js';

export function chatsPage() {
  return page({
    ...chatView,
    bots: [],
    botId: '',
    chats: [],
    /** Where a chat was started (the API's `origin`; an older server sends none: the API). */
    originLabel(chat) {
      return { widget: 'widget', dashboard: 'dashboard', openai: 'OpenAI API' }[chat.origin] || 'API';
    },
    cursor: null,
    chatId: null,
    chat: null,
    messages: [],
    exportForm: { format: 'json', from_date: '', to_date: '' },
    exportMissing: false,

    async init() {
      this.botId = this.params.bot || '';
      this.bots = (await this.attempt(() => api.getAll('/v1/bot-profiles'))) || [];
      await this.load();
      if (this.params.id) await this.open(this.params.id);
    },

    async load(more = false) {
      this.loading = true;
      const query = { bot_profile_id: this.botId, limit: 25, cursor: more ? this.cursor : null };
      const page = await this.attempt(() => api.call('GET', '/v1/chat', { query }));
      if (page) {
        this.chats = more ? [...this.chats, ...page.data] : page.data;
        this.cursor = page.headers.get('X-Next-Cursor');
      }
      this.loading = false;
    },

    loadMore() {
      return this.load(true);
    },

    botName(id) {
      const bot = this.bots.find((b) => b.id === id);
      return bot ? bot.name : id;
    },

    async open(id) {
      this.chatId = id;
      const [chat, messages] = await Promise.all([
        this.attempt(() => api.get(`/v1/chat/${id}`)),
        this.attempt(() => api.get(`/v1/chat/${id}/messages`)),
      ]);
      this.chat = chat || null;
      this.messages = messages || [];
    },

    isOpen(chat) {
      return this.chatId === chat.id ? 'true' : 'false';
    },

    async exportAll() {
      const { format, from_date, to_date } = this.exportForm;
      const query = { format, from_date, to_date, bot_profile_id: this.botId };
      // No id in this path, so any 404 means the route itself is missing (GET /v1/chat/{id} catches it).
      await this.download('/v1/chat/export', query, `chats.${format}`, true);
    },

    async exportChat(format) {
      await this.download(`/v1/chat/${this.chatId}/export`, { format }, `chat-${this.chatId}.${format}`);
    },

    async download(path, query, name, notFoundIsMissing = false) {
      try {
        await api.download(path, query, name);
      } catch (e) {
        if (e.missingRoute || (notFoundIsMissing && e.status === 404)) this.exportMissing = true;
        else this.toast(e.message, 'error');
      }
    },
  });
}
