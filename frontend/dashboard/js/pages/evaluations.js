// Evaluation runs of one bot: questions with an optional expected source or answer, and the runs' results.
import * as api from '../api.js';
import { page } from '../page.js';

function parseCases(text) {
  return text
    .split('\n')
    .map((line) => line.split('|').map((part) => part.trim()))
    .filter(([question]) => question)
    .map(([question, expected]) => (expected ? { question, expected_answer: expected } : { question }));
}

export function evalPanel(botId) {
  return page({
    botId,
    runs: [],
    cases: '',

    async init() {
      await this.load();
    },

    async load() {
      const runs = await this.attempt(() => api.get(`/v1/bot-profiles/${this.botId}/evaluations`));
      if (runs) this.runs = Array.isArray(runs) ? runs : runs.items || [];
    },

    async start() {
      const cases = parseCases(this.cases);
      if (!cases.length) {
        this.error = 'Write at least one question.';
        return;
      }
      const run = await this.attempt(() => api.post(`/v1/bot-profiles/${this.botId}/evaluations`, { cases }));
      if (run) {
        this.toast(`Evaluation started with ${cases.length} question(s)`);
        await this.load();
      }
    },

    /** The scalar fields of a run (its shape is the server's business): [{name, value}]. */
    facts(run) {
      return Object.entries(run)
        .filter(([name, value]) => name !== 'id' && value !== null && typeof value !== 'object')
        .map(([name, value]) => ({ name: name.replace(/_/g, ' '), value: String(value) }));
    },
  });
}
