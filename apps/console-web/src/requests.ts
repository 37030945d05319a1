import type { RequestFilter, RequestRow } from './api.js';
import { h, ms, time, usd } from './format.js';

const STATUSES = ['', 'success', 'error', 'cancelled', 'rejected'];

export function verdictOf(row: RequestRow): string {
  if (row.isRefusal === null) return '–';
  const parts = [row.isRefusal ? 'refusal' : 'answered'];
  if (row.grounding && row.grounding !== 'not_checked') parts.push(row.grounding);
  return parts.join(' · ');
}

export function voteOf(row: RequestRow): string {
  return row.vote === 'up' ? '👍' : row.vote === 'down' ? '👎' : '';
}

/** The explorer: filters, then the newest requests first; a row opens its detail. */
export class RequestsView {
  readonly element = h('section', { class: 'requests' });
  readonly filter: RequestFilter = { model: '', user: '', status: '', id: '' };
  private readonly models = new Set<string>();
  private readonly modelSelect = h('select', { dataset: { filter: 'model' } });
  private readonly body = h('tbody');
  private readonly count = h('span', { class: 'muted' });

  constructor(private readonly onChange: () => void) {
    const statusSelect = h('select', { dataset: { filter: 'status' } }, ...STATUSES.map((s) => option(s, s || 'any status')));
    const user = h('input', { dataset: { filter: 'user' } });
    user.placeholder = 'user';
    const id = h('input', { dataset: { filter: 'id' } });
    id.placeholder = 'request id contains…';
    this.modelSelect.append(option('', 'any model'));
    let timer: number | undefined;
    const changed = () => {
      this.filter.model = this.modelSelect.value;
      this.filter.status = statusSelect.value;
      this.filter.user = user.value.trim();
      this.filter.id = id.value.trim();
      window.clearTimeout(timer);
      timer = window.setTimeout(this.onChange, 200);
    };
    for (const input of [this.modelSelect, statusSelect, user, id]) input.addEventListener('input', changed);
    const head = h('tr', {}, ...['Time', 'Request id', 'Model', 'User', 'Status', 'TTFT', 'Latency', 'Tokens in → out', 'Cost', 'Verdict', 'Vote'].map((c) => h('th', {}, c)));
    this.element.append(
      h('div', { class: 'filters card' }, this.modelSelect, user, statusSelect, id, this.count),
      h('div', { class: 'card' }, h('table', { class: 'request-list' }, h('thead', {}, head), this.body)),
    );
  }

  /** Models seen anywhere (overview or list) join the model filter's choices. */
  knowModels(models: Iterable<string>): void {
    for (const model of models) {
      if (this.models.has(model)) continue;
      this.models.add(model);
      this.modelSelect.append(option(model, model));
    }
  }

  show(rows: RequestRow[]): void {
    this.knowModels(rows.map((r) => r.model));
    this.count.textContent = `${rows.length} shown (newest first)`;
    this.body.replaceChildren(
      ...rows.map((r) => {
        const tr = h(
          'tr',
          { class: `status-${r.status}`, dataset: { requestId: r.id } },
          h('td', {}, time(r.finishedAtMs)),
          h('td', { class: 'mono', dataset: { field: 'id' } }, r.id),
          h('td', { dataset: { field: 'model' } }, r.model),
          h('td', { dataset: { field: 'user' } }, r.user),
          h('td', { dataset: { field: 'status', value: r.status } }, h('span', { class: `badge ${r.status}` }, `${r.status} ${r.httpStatus}`)),
          h('td', {}, ms(r.ttftMs)),
          h('td', {}, ms(r.latencyMs)),
          h('td', { dataset: { field: 'tokens', value: `${r.promptTokens}/${r.completionTokens}` } }, `${r.promptTokens} → ${r.completionTokens}`),
          h('td', { dataset: { field: 'cost', value: String(r.costUsd) } }, usd(r.costUsd)),
          h('td', {}, verdictOf(r)),
          h('td', {}, voteOf(r)),
        );
        tr.addEventListener('click', () => (location.hash = `#/requests/${encodeURIComponent(r.id)}`));
        return tr;
      }),
    );
    if (rows.length === 0) this.body.append(h('tr', {}, h('td', { class: 'empty' }, 'No request matches.')));
  }
}

function option(value: string, label: string): HTMLOptionElement {
  const element = h('option', {}, label);
  element.value = value;
  return element;
}
