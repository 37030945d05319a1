import type { RequestDetail } from './api.js';
import { h, ms, usd } from './format.js';
import { verdictOf, voteOf } from './requests.js';

/** One request: its figures, its timing bar, its trace link and the query that finds its log lines. */
export function detailView(r: RequestDetail, isContentShown: boolean): HTMLElement {
  const ttft = r.ttftMs ?? r.latencyMs;
  const generation = Math.max(0, r.latencyMs - ttft);
  const total = Math.max(1, r.latencyMs);
  // the gateway never queues a request (over its concurrency limit it answers 429 at once): 0 ms
  const segments: Array<[string, number, string]> = [
    ['queue', 0, 'queue'],
    ['TTFT', ttft, 'ttft'],
    ['generation', generation, 'generation'],
  ];
  const bar = h(
    'div',
    { class: 'timing-bar', dataset: { total: String(r.latencyMs) } },
    ...segments.filter(([, value]) => value > 0).map(([label, value, kind]) => h('div', { class: `seg ${kind}`, style: `flex:${value / total}`, title: `${label} ${ms(value)}`, dataset: { segment: kind, value: String(value) } })),
  );
  const legend = h('div', { class: 'timing-legend' }, ...segments.map(([label, value, kind]) => h('span', {}, h('i', { class: `dot ${kind}` }), `${label} ${ms(value)}`)));
  const field = (label: string, value: string | Node, name?: string) => h('div', { class: 'field' }, h('dt', {}, label), h('dd', name ? { dataset: { field: name } } : {}, value));
  const trace = r.traceId
    ? r.traceUrl
      ? h('a', { href: r.traceUrl, target: '_blank', rel: 'noreferrer', class: 'mono', dataset: { field: 'trace' } }, r.traceId)
      : h('span', { class: 'mono' }, r.traceId)
    : h('span', { class: 'muted' }, 'not traced (tracing off at the gateway)');
  const logQuery = h('code', { class: 'mono query', dataset: { field: 'log-query' } }, r.logQuery);
  const copy = h('button', { class: 'small' }, 'copy');
  copy.addEventListener('click', () => void navigator.clipboard?.writeText(r.logQuery));
  const content = isContentShown
    ? h('div', { class: 'card' }, h('h3', {}, 'Output'), h('pre', { class: 'output' }, r.output ?? '(none kept)'), h('p', { class: 'muted' }, 'The prompt is not part of the generation event; the output is kept because LOG_PROMPTS is on.'))
    : h('div', { class: 'card' }, h('h3', {}, 'Prompt and output'), h('p', { class: 'muted' }, 'Hidden: LOG_PROMPTS is off, so prompts and outputs are neither logged nor kept.'));
  return h(
    'section',
    { class: 'detail', dataset: { requestId: r.id } },
    h('a', { href: '#/requests', class: 'back' }, '← all requests'),
    h('h2', { class: 'mono' }, r.id),
    h('div', { class: 'card' }, h('h3', {}, `Timing: ${ms(r.latencyMs)} in all`), bar, legend),
    h(
      'div',
      { class: 'card' },
      h(
        'dl',
        { class: 'fields' },
        field('Finished', new Date(r.finishedAtMs).toISOString()),
        field('Model', r.model, 'model'),
        field('User', r.user, 'user'),
        field('Endpoint', r.endpoint),
        field('Status', `${r.status} (HTTP ${r.httpStatus}${r.errorCode ? `, ${r.errorCode}` : ''})`, 'status'),
        field('Finish reason', r.finishReason ?? '–'),
        field('TTFT', ms(r.ttftMs)),
        field('Latency', ms(r.latencyMs)),
        field('Tokens', `${r.promptTokens} in → ${r.completionTokens} out${r.isUsageEstimated ? ' (counted by the gateway)' : ''}`, 'tokens'),
        field('Cost', `${usd(r.costUsd)} (${r.costBasis})`, 'cost'),
        field('Verdict', verdictOf(r)),
        field('Vote', voteOf(r) || 'none'),
        field('Trace', trace),
        field('Logs', h('span', {}, logQuery, ' ', copy)),
      ),
    ),
    content,
  );
}
