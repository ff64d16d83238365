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

/**
 * The passages an answer cites, numbered in the order the answer first cites them: Map(n -> shown number).
 * A marker with no passage behind it is left as the model wrote it.
 */
export function citationOrder(text, sources) {
  const known = new Set((sources || []).map((s) => s.n));
  const order = new Map();
  for (const part of segments(text)) {
    if (part.cite && known.has(part.cite) && !order.has(part.cite)) order.set(part.cite, order.size + 1);
  }
  return order;
}

/** An API detail as a sentence ("the model failed" -> "The model failed."). */
export function sentence(detail) {
  const text = String(detail || 'the answer failed').trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
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
    const order = citationOrder(message.content, message.sources);
    return segments(message.content).map((part) =>
      order.has(part.cite) ? { text: `[${order.get(part.cite)}]`, cite: order.get(part.cite) } : part,
    );
  },

  /** The cited passages, as [{...passage, shown}] in the answer's order. */
  cited(message) {
    const order = citationOrder(message.content, message.sources);
    const byN = new Map((message.sources || []).map((s) => [s.n, s]));
    return [...order].map(([n, shown]) => ({ ...byN.get(n), shown }));
  },

  /** The passages retrieved but not cited (shown behind a toggle). */
  others(message) {
    const order = citationOrder(message.content, message.sources);
    return (message.sources || []).filter((s) => !order.has(s.n));
  },

  moreLabel(message) {
    const count = this.others(message).length;
    const noun = count === 1 ? 'passage' : 'passages';
    return this.cited(message).length
      ? `${count} more retrieved ${noun}`
      : `${count} retrieved ${noun}, none cited`;
  },

  /** Uncited passages are worth a look only under an answer (not while it streams, not on a failure). */
  showOthers(message) {
    return message.role === 'assistant' && !message.pending && !message.error && this.others(message).length > 0;
  },

  relevance(passage) {
    return typeof passage.score === 'number' ? `relevance ${Number(passage.score.toPrecision(2))}` : '';
  },

  errorText(message) {
    return message.error ? sentence(message.error) : '';
  },

  /** Feedback is for answers: not for questions, a streaming answer, or a failed turn. */
  canRate(message) {
    return message.role === 'assistant' && Boolean(message.id) && !message.pending && !message.error;
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
