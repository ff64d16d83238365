// "Try it": a streaming conversation with one bot, with citations and feedback, as the widget would show it.
import * as api from '../api.js';
import { chatView } from '../chatview.js';
import { page } from '../page.js';

export function tryIt(botId) {
  return page({
    ...chatView,
    botId,
    chatId: null,
    messages: [],
    draft: '',
    sending: false,

    async send() {
      const text = this.draft.trim();
      if (!text || this.sending) return;
      this.draft = '';
      this.sending = true;
      const key = this.messages.length;
      this.messages.push({ key, role: 'user', content: text, id: null });
      this.messages.push({
        key: key + 1,
        role: 'assistant',
        content: '',
        sources: [],
        id: null,
        feedback: null,
        error: '',
        pending: true,
      });
      const reply = this.messages[this.messages.length - 1];
      const body = { bot_profile_id: this.botId, message: text };
      if (this.chatId) body.chat_id = this.chatId;
      await api.streamChat(body, {
        sources: (sources) => (reply.sources = sources),
        delta: (content) => {
          reply.content += content;
          this.scroll();
        },
        done: (data) => {
          this.chatId = data.chat_id;
          Object.assign(reply, {
            id: data.message_id,
            chat_id: data.chat_id,
            pending: false,
            usage: data.usage,
          });
        },
        error: (data) => {
          if (data.chat_id) this.chatId = data.chat_id;
          Object.assign(reply, {
            error: data.detail || 'the answer failed',
            pending: false,
            id: data.message_id || null,
          });
        },
      });
      this.sending = false;
      this.scroll();
      this.$nextTick(() => this.$refs.input && this.$refs.input.focus());
    },

    onKey(event) {
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.send();
      }
    },

    scroll() {
      this.$nextTick(() => {
        const log = this.$refs.log;
        if (log) log.scrollTop = log.scrollHeight;
      });
    },

    reset() {
      this.chatId = null;
      this.messages = [];
    },
  });
}
