import uPlot from 'uplot';
import type { Overview } from './api.js';
import { bytes, h, ms, percent, perSecond, usd } from './format.js';

interface ChartSpec {
  title: string;
  series: Array<{ label: string; pick: (o: Overview) => Array<number | null>; color: string }>;
  format: (value: number) => string;
}

const CHARTS: ChartSpec[] = [
  { title: 'Requests per second', series: [{ label: 'req/s', pick: (o) => o.series.requestsPerSecond, color: '#5b9cf6' }], format: (v) => v.toFixed(2) },
  {
    title: 'Latency p95 and TTFT p95 (ms)',
    series: [
      { label: 'latency p95', pick: (o) => o.series.latencyP95Ms, color: '#f6a55b' },
      { label: 'TTFT p95', pick: (o) => o.series.ttftP95Ms, color: '#7bd88f' },
    ],
    format: (v) => `${Math.round(v)}`,
  },
  { title: 'Tokens per second', series: [{ label: 'tokens/s', pick: (o) => o.series.tokensPerSecond, color: '#c38cf5' }], format: (v) => v.toFixed(1) },
  { title: 'Error rate', series: [{ label: 'errors', pick: (o) => o.series.errorRate.map((r) => (r === null ? null : r * 100)), color: '#f2677a' }], format: (v) => `${v.toFixed(1)}%` },
];

function tile(name: string, label: string, shown: string, raw: number | null, hint?: string): HTMLElement {
  return h(
    'div',
    { class: 'tile', dataset: { figure: name, value: raw === null ? '' : String(raw) } },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value' }, shown),
    hint ? h('div', { class: 'tile-hint' }, hint) : null,
  );
}

/** The overview: tiles, charts (uPlot, created once and fed new data on each poll), per-model table, cost, GPUs. */
export class OverviewView {
  readonly element = h('section', { class: 'overview' });
  private readonly tiles = h('div', { class: 'tiles' });
  private readonly charts = h('div', { class: 'charts' });
  private readonly models = h('div', { class: 'card' });
  private readonly side = h('div', { class: 'side' });
  private plots: uPlot[] = [];

  constructor() {
    this.element.append(this.tiles, this.charts, h('div', { class: 'columns' }, this.models, this.side));
  }

  show(o: Overview): void {
    const t = o.total;
    const q = o.quality.rates;
    const minutes = Math.round(o.windowSeconds / 60);
    const budget = o.cost.dailyBudgetUsd;
    this.tiles.replaceChildren(
      tile('requests', `Requests (${minutes} min)`, String(t.requests), t.requests, `${perSecond(t.requestsPerSecond)} req/s`),
      tile('error-rate', 'Error rate', percent(t.errorRate), t.errorRate, `${t.errors} errors · ${t.rejected} rejected`),
      tile('cancel-rate', 'Cancel rate', percent(t.cancelRate), t.cancelRate, `${t.cancelled} cancelled`),
      tile('ttft-p50', 'TTFT p50', ms(t.ttftP50Ms), t.ttftP50Ms, `p95 ${ms(t.ttftP95Ms)}`),
      tile('latency-p95', 'Latency p95', ms(t.latencyP95Ms), t.latencyP95Ms),
      tile('tokens-per-second', 'Tokens/s', perSecond(t.tokensPerSecond), t.tokensPerSecond, `${t.completionTokens} generated`),
      tile('cost-today', 'Cost today', usd(o.cost.todayUsd), o.cost.todayUsd, budget === null ? 'no daily budget' : `budget ${usd(budget)}/user · ${o.cost.usersAtBudget ?? 0} at it`),
      tile('refusal-rate', 'Refusal rate', percent(q.refusal_rate), q.refusal_rate, `last ${o.quality.window.generations} generations`),
      tile('hallucination-rate', 'Hallucination rate', percent(q.hallucination_rate), q.hallucination_rate, `${o.quality.window.checked} checked`),
      tile('satisfaction', 'Satisfaction', percent(q.user_satisfaction), q.user_satisfaction, `${o.quality.window.votes} votes`),
    );
    this.showCharts(o);
    this.showModels(o);
    this.showSide(o);
  }

  private showCharts(o: Overview): void {
    if (this.plots.length === 0) {
      for (const spec of CHARTS) {
        const holder = h('div', { class: 'chart card', dataset: { chart: spec.title } }, h('h3', {}, spec.title));
        this.charts.append(holder);
        const plot = new uPlot(
          {
            width: 300,
            height: 160,
            legend: { show: spec.series.length > 1 },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
            axes: [
              { stroke: '#8a94a6', grid: { stroke: '#262c38' }, ticks: { stroke: '#262c38' } },
              { stroke: '#8a94a6', grid: { stroke: '#262c38' }, ticks: { stroke: '#262c38' }, size: 50, values: (_u, values) => values.map((v) => spec.format(v)) },
            ],
            series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, spanGaps: true, points: { show: true, size: 4 } }))],
          },
          [[]],
          holder,
        );
        this.plots.push(plot);
      }
    }
    CHARTS.forEach((spec, i) => {
      this.plots[i]!.setData([o.series.t, ...spec.series.map((s) => s.pick(o))] as uPlot.AlignedData);
    });
  }

  private showModels(o: Overview): void {
    const head = h(
      'tr',
      {},
      ...['Model', 'Requests', 'req/s', 'Errors', 'Cancels', 'TTFT p50', 'TTFT p95', 'Latency p95', 'Tokens/s', 'Cost', 'Refusals', 'Hallucinations'].map((c) => h('th', {}, c)),
    );
    const rows = [...o.models, { model: 'all', ...o.total }].map((m) =>
      h(
        'tr',
        { class: m.model === 'all' ? 'total' : '', dataset: { model: m.model } },
        h('td', {}, m.model),
        h('td', { dataset: { field: 'requests', value: String(m.requests) } }, String(m.requests)),
        h('td', {}, perSecond(m.requestsPerSecond)),
        h('td', {}, percent(m.errorRate)),
        h('td', {}, percent(m.cancelRate)),
        h('td', {}, ms(m.ttftP50Ms)),
        h('td', {}, ms(m.ttftP95Ms)),
        h('td', {}, ms(m.latencyP95Ms)),
        h('td', { dataset: { field: 'completion-tokens', value: String(m.completionTokens) } }, perSecond(m.tokensPerSecond)),
        h('td', { dataset: { field: 'cost', value: String(m.costUsd) } }, usd(m.costUsd)),
        h('td', {}, percent(m.refusalRate)),
        h('td', {}, percent(m.hallucinationRate)),
      ),
    );
    this.models.replaceChildren(
      h('h3', {}, `Per model, last ${Math.round(o.windowSeconds / 60)} minutes`),
      o.models.length === 0 ? h('p', { class: 'empty' }, 'No requests in the window yet: send one to the gateway (port 8000).') : h('table', { class: 'models' }, h('thead', {}, head), h('tbody', {}, ...rows)),
    );
  }

  private showSide(o: Overview): void {
    const budget = o.cost.dailyBudgetUsd;
    const spenders = o.cost.topUsersToday.map((s) => {
      const share = budget ? Math.min(1, s.spendUsd / budget) : 0;
      return h(
        'li',
        {},
        h('span', { class: 'who' }, s.user),
        h('span', {}, usd(s.spendUsd)),
        budget ? h('div', { class: 'meter' }, h('div', { class: share >= 1 ? 'fill over' : 'fill', style: `width:${(share * 100).toFixed(1)}%` })) : null,
      );
    });
    const cost = h(
      'div',
      { class: 'card cost' },
      h('h3', {}, `Cost on ${o.cost.day} (${o.cost.timeZone})`),
      h('p', { class: 'big' }, usd(o.cost.todayUsd)),
      h('p', { class: 'muted' }, budget === null ? 'No per-user daily budget (DAILY_BUDGET_USD unset).' : `Budget ${usd(budget)} per user per day.`),
      spenders.length > 0 ? h('ul', { class: 'spenders' }, ...spenders) : h('p', { class: 'empty' }, 'No spend yet today.'),
    );
    const gpus =
      o.gpus.length === 0
        ? h('div', { class: 'card' }, h('h3', {}, 'GPUs'), h('p', { class: 'empty' }, 'No GPU agent reports (no GPU, or the agent is not running).'))
        : h(
            'div',
            { class: 'card' },
            h('h3', {}, 'GPUs'),
            h(
              'table',
              { class: 'gpus' },
              h('thead', {}, h('tr', {}, ...['Host', 'GPU', 'Util', 'Memory'].map((c) => h('th', {}, c)))),
              h(
                'tbody',
                {},
                ...o.gpus.map((g) =>
                  h(
                    'tr',
                    { dataset: { gpu: g.uuid } },
                    h('td', {}, g.host),
                    h('td', { title: g.uuid }, g.name),
                    h('td', { dataset: { field: 'utilization', value: String(g.utilizationPercent ?? '') } }, g.utilizationPercent === null ? '–' : `${g.utilizationPercent}%`),
                    h('td', {}, `${bytes(g.memoryUsedBytes)} / ${bytes(g.memoryTotalBytes)}`),
                  ),
                ),
              ),
            ),
          );
    this.side.replaceChildren(cost, gpus);
  }
}
