// A bot's "Gaps" tab: the questions it answered badly, grouped, with "write an answer" (a curated answer)
// and "add a source"; the bot's curated answers; and the share of not-found answers per day.
import * as api from '../api.js';
import { lines } from '../format.js';
import { page } from '../page.js';

const REASONS = {
  not_found: 'said it could not find it',
  no_sources: 'nothing retrieved',
  low_score: 'weak passages',
  negative_feedback: 'rated unhelpful',
};

function blankAnswer() {
  return { gap_id: null, question: '', answer: '', variants: '' };
}

export function gapsPanel(botId) {
  return page({
    botId,
    groups: [],
    days: [],
    curated: [],
    from: '',
    to: '',
    writing: null, // null | a blank or prefilled curated answer being written
    confirming: null,

    async init() {
      await this.load();
    },

    path(suffix = '') {
      return `/v1/bot-profiles/${this.botId}${suffix}`;
    },

    async load() {
      const query = {};
      if (this.from) query.from = this.from;
      if (this.to) query.to = this.to;
      const found = await this.attempt(() => api.get(this.path('/gaps'), query));
      if (found) {
        this.groups = found.groups;
        this.days = found.days;
      }
      const curated = await this.attempt(() => api.getAll(this.path('/curated-answers')));
      if (curated) this.curated = curated;
    },

    reasons(group) {
      return Object.keys(group.reasons || {})
        .map((r) => REASONS[r] || r)
        .join(', ');
    },

    sources(group) {
      const names = [...new Set((group.latest_sources || []).map((s) => s.source_name))];
      return names.length ? names.join(', ') : 'none';
    },

    share(day) {
      return `${Math.round((day.not_found_share || 0) * 100)}%`;
    },

    /** An object, not a string: Alpine applies it through the CSSOM, which the page's CSP allows. */
    barStyle(day) {
      return { width: `${Math.max(2, Math.round((day.not_found_share || 0) * 100))}px` };
    },

    /** The group's first question as the curated one; its latest wording, if other, as a variant. */
    writeFor(group) {
      const variants = group.latest_question !== group.question ? group.latest_question : '';
      this.writing = { gap_id: group.id, question: group.question, answer: '', variants };
    },

    writeNew() {
      this.writing = blankAnswer();
    },

    cancel() {
      this.writing = null;
    },

    async save() {
      const w = this.writing;
      const body = { question: w.question.trim(), answer: w.answer.trim(), variants: lines(w.variants) };
      if (w.gap_id) body.gap_id = w.gap_id;
      const made = await this.attempt(() => api.post(this.path('/curated-answers'), body));
      if (!made) return;
      this.writing = null;
      this.toast('Curated answer saved: similar questions now get it');
      await this.load();
    },

    answered(group) {
      return Boolean(group.curated_answer_id);
    },

    askDelete(c) {
      this.confirming = c.id;
    },

    async remove(c) {
      this.confirming = null;
      const done = await this.attempt(() => api.del(this.path(`/curated-answers/${c.id}`)).then(() => true));
      if (done) {
        this.toast('Curated answer deleted');
        await this.load();
      }
    },

    sourceLink() {
      return `#/sources?bot=${this.botId}&new=1`;
    },
  });
}
