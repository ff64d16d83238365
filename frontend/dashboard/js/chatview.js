// Chat messages as the dashboard shows them: answer text split at its [n] citation markers, and feedback.
import * as api from './api.js';

/** [{text, cite}] where cite is the citation number of a "[n]" marker, 0 for plain text. */
export function segments(text) {
  const out = [];
  const marker = /\[(\d{1,3})\]/g;
  let last = 0;
  let match;
  while ((match = marker.exec(text || ''))) {
    if (match.index > last) out.push({ text: text.slice(last, match.index), cite: 0 });
    out.push({ text: match[0], cite: Number(match[1]) });
    last = marker.lastIndex;
  }
  if (last < (text || '').length) out.push({ text: text.slice(last), cite: 0 });
  return out;
}

/** Sets, or with a second click on the same thumb clears, the feedback of an assistant message. */
export async function sendFeedback(message, chatId, value) {
  const feedback = message.feedback === value ? null : value;
  const path = `/v1/chat/${chatId}/messages/${message.id}/feedback`;
  const updated = await api.patch(path, { feedback });
  message.feedback = updated ? updated.feedback : feedback;
}

/** The methods a component needs to render messages and take feedback (mixed into page objects). */
export const chatView = {
  feedbackMissing: false,

  segments(message) {
    return segments(message.content);
  },

  citeId(message, n) {
    return `cite-${message.id || 'pending'}-${n}`;
  },

  isFeedback(message, value) {
    return message.feedback === value ? 'true' : 'false';
  },

  async feedback(message, value) {
    try {
      await sendFeedback(message, message.chat_id || this.chatId, value);
      this.toast(message.feedback ? 'Feedback saved' : 'Feedback cleared');
    } catch (e) {
      if (e.missingRoute) this.feedbackMissing = true;
      else this.toast(e.message, 'error');
    }
  },
};
