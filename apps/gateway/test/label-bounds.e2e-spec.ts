import { seriesAdded, seriesPerMetric } from '@tokenscope/testing';
import { useGateway } from './gateway-harness.js';

const DISTINCT = 1000;

describe('gateway label cardinality', () => {
  const running = useGateway();

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${running.gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    await response.text();
    return response.status;
  };
  const llmSeries = async () => {
    const all = seriesPerMetric(await (await fetch(`${running.gateway.url}/metrics`)).text());
    // llm_* are the series requests feed; process and nodejs metrics describe the process itself
    return new Map([...all].filter(([family]) => family.startsWith('llm_')));
  };

  it(`adds at most one series per metric for ${DISTINCT} made-up model names, user ids and paths`, async () => {
    // one of each kind first, so that the series a normal request creates exist before the count
    await post('/v1/generate', { prompt: 'warm', max_tokens: 2 });
    await post('/v1/generate', { prompt: 'warm', model: 'warm-up-model' });
    const before = await llmSeries();

    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    for (let i = 0; i < DISTINCT; i++) {
      const made = `made-up-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const endpoint = i % 3;
      if (endpoint === 0) count(await post('/v1/generate', { prompt: 'x', model: made, user: `user-${made}` }, { 'x-request-id': `rid-${made}` }));
      if (endpoint === 1) count(await post('/v1/chat/completions', { model: made, messages: [{ role: 'user', content: 'x' }] }, { 'x-user-id': `user-${made}` }));
      if (endpoint === 2) count(await post(`/v1/${made}`, { prompt: 'x' }));
      // served requests with made-up users (user ids are never labels)
      if (i % 10 === 0) count(await post('/v1/generate', { prompt: 'x', max_tokens: 1, user: `user-${made}` }, { 'x-user-id': `header-${made}` }));
    }
    expect(statuses.get(404)).toBeGreaterThanOrEqual(DISTINCT - 1);
    expect(statuses.get(200)).toBe(DISTINCT / 10);

    const after = await llmSeries();
    const added = seriesAdded(before, after);
    // the families that grew by more than one series, with what they grew by (none expected)
    expect(Object.fromEntries([...added].filter(([, labelSets]) => labelSets.length > 1))).toEqual({});
    const everything = [...after.values()].flatMap((labelSets) => [...labelSets]).join('\n');
    expect(everything).not.toMatch(/made-up|user-|header-|rid-/);
    // every made-up model was counted under the one `unknown` label
    expect([...(after.get('llm_requests_total') ?? [])]).toContain('{model="unknown",status="rejected"}');
  });
});
