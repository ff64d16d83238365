// Usage analytics: tokens per day and model, tokens and cost per bot and model, feedback trend, estimate.
import * as api from '../api.js';
import { page } from '../page.js';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2', '#4d7c0f', '#be185d'];

function dailyByModel(rows) {
  const dates = [...new Set(rows.map((r) => r.date))].sort();
  const models = [...new Set(rows.map((r) => r.model))].sort();
  const datasets = models.map((model, i) => ({
    label: model,
    backgroundColor: PALETTE[i % PALETTE.length],
    data: dates.map((d) =>
      rows.filter((r) => r.date === d && r.model === model).reduce((n, r) => n + r.total_tokens, 0),
    ),
  }));
  return { labels: dates, datasets };
}

export function usagePage() {
  const charts = {}; // Chart.js objects stay outside Alpine's reactive proxies
  return page({
    days: '30',
    overview: null,
    estimate: null,
    byModel: [],
    byBot: [],
    feedback: null,
    trend: [],
    pricing: [],

    async init() {
      await this.load();
    },

    feedbackByBot() {
      return (this.feedback && this.feedback.by_bot) || [];
    },

    destroy() {
      for (const chart of Object.values(charts)) chart.destroy();
    },

    async load() {
      this.loading = true;
      this.unavailable = false;
      const q = { days: this.days };
      const [overview, usage, byBot, byModel, estimate, pricing, feedback, trend] = await Promise.all(
        [
          'overview',
          'usage',
          'usage/by-bot',
          'usage/by-model',
          'cost-estimate',
          'pricing',
          'feedback',
          'feedback/trend',
        ].map((name) => this.attempt(() => api.get(`/v1/stats/${name}`, name === 'pricing' ? {} : q))),
      );
      Object.assign(this, {
        overview,
        estimate,
        feedback,
        byBot: byBot || [],
        byModel: byModel || [],
        trend: trend || [],
      });
      this.pricing = Object.entries((pricing && pricing.models) || {}).map(([name, p]) => ({ name, ...p }));
      this.loading = false;
      this.$nextTick(() => this.draw(usage || []));
    },

    draw(usage) {
      if (!window.Chart || this.unavailable) return;
      this.chart('daily', 'bar', dailyByModel(usage), {
        scales: { x: { stacked: true }, y: { stacked: true } },
      });
      this.chart('bots', 'bar', {
        labels: this.byBot.map((r) => `${r.bot_name} (${r.model})`),
        datasets: [
          { label: 'tokens', backgroundColor: PALETTE[0], data: this.byBot.map((r) => r.total_tokens) },
        ],
      });
      this.chart(
        'models',
        'bar',
        {
          labels: this.byModel.map((r) => r.model),
          datasets: [
            { label: 'cost (USD)', backgroundColor: PALETTE[2], data: this.byModel.map((r) => r.cost_usd) },
          ],
        },
        { scales: { y: { ticks: {} } } },
      ); // dollars: fractional ticks
      // bars, side by side: a line chart of one day is two dots, one hiding the other
      this.chart('trend', 'bar', {
        labels: this.trend.map((r) => r.date),
        datasets: [
          {
            label: 'positive',
            borderColor: PALETTE[1],
            backgroundColor: PALETTE[1],
            data: this.trend.map((r) => r.positive_count),
          },
          {
            label: 'negative',
            borderColor: PALETTE[4],
            backgroundColor: PALETTE[4],
            data: this.trend.map((r) => r.negative_count),
          },
        ],
      });
    },

    chart(name, type, data, options = {}) {
      const canvas = this.$refs[name];
      if (!canvas) return;
      if (charts[name]) charts[name].destroy();
      const scales = {
        ...options.scales,
        y: { min: 0, ticks: { precision: 0 }, ...(options.scales || {}).y },
      };
      charts[name] = new window.Chart(canvas, {
        type,
        data,
        options: { responsive: true, maintainAspectRatio: false, animation: false, ...options, scales },
      });
    },
  });
}
