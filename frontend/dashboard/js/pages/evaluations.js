// Evaluation runs of one bot: questions labelled with an expected answer or an expected source, and results.
import * as api from '../api.js';
import { page } from '../page.js';

/** "question | expected answer" lines; a line without an answer expects the chosen source. */
export function parseCases(text, sourceId) {
  return text
    .split('\n')
    .map((line) => line.split('|').map((part) => part.trim()))
    .filter(([question]) => question)
    .map(([question, expected]) => {
      if (expected) return { question, expected_answer: expected };
      return sourceId ? { question, expected_source_id: sourceId } : { question };
    });
}

const POLL_MS = 2000;

export function evalPanel(botId) {
  let timer = null;
  return page({
    botId,
    runs: [],
    sources: [],
    sourceId: '',
    cases: '',

    async init() {
      await this.load();
      const sources = await this.attempt(() => api.getAll('/v1/sources', { bot_profile_id: this.botId }));
      this.sources = sources || [];
    },

    destroy() {
      clearTimeout(timer);
    },

    /** Reloads the newest runs (one page), and again every POLL_MS while one is pending or running. */
    async load() {
      clearTimeout(timer);
      const runs = await this.attempt(() => api.getPage(`/v1/bot-profiles/${this.botId}/evaluations`));
      if (runs) this.runs = runs.items;
      if (this.runs.some((r) => r.status === 'pending' || r.status === 'running')) {
        timer = setTimeout(() => this.load(), POLL_MS);
      }
    },

    async start() {
      const cases = parseCases(this.cases, this.sourceId);
      if (!cases.length || cases.some((c) => !c.expected_answer && !c.expected_source_id)) {
        this.error = 'Give each question an expected answer ("question | answer") or choose an expected source.';
        return;
      }
      const path = `/v1/bot-profiles/${this.botId}/evaluations`;
      const run = await this.attempt(() => api.post(path, { cases }));
      if (run) {
        this.toast(`Evaluation started with ${cases.length} question(s)`);
        this.cases = '';
        await this.load();
      }
    },

    /** Metrics as "name value" pairs, values with two decimals. */
    metrics(run) {
      return Object.entries(run.metrics || {}).map(([name, value]) => ({
        name: name.replace(/_/g, ' '),
        value: typeof value === 'number' ? value.toFixed(2) : String(value),
      }));
    },
  });
}
