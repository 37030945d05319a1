import { seriesAdded, seriesPerMetric } from '@tokenscope/testing';
import { useFakeGpuHost } from './gpu-agent-harness.js';

const DISTINCT = 1000;

describe('GPU agent label cardinality', () => {

  const host = useFakeGpuHost();

  const llmSeries = async () => {
    const all = seriesPerMetric(await (await fetch(`${host.agent.url}/metrics`)).text());
    // llm_* are the series the agent exports; process and nodejs metrics describe the process itself
    return new Map([...all].filter(([family]) => family.startsWith('llm_')));
  };

  it(`adds no series for ${DISTINCT} made-up paths, user ids and request ids (labels come from the GPUs, never from requests)`, async () => {
    const before = await llmSeries();
    const statuses = new Set<number>();
    for (let i = 0; i < DISTINCT; i++) {
      const made = `made-up-${i}-${Math.random().toString(36).slice(2, 8)}`;
      const response = await fetch(`${host.agent.url}/${made}?model=${made}`, { method: i % 2 === 0 ? 'GET' : 'POST', headers: { 'x-user-id': `user-${made}`, 'x-request-id': `rid-${made}` } });
      statuses.add(response.status);
      await response.text();
    }
    expect([...statuses]).toEqual([404]);
    await host.agent.sampling.sampleNow();
    const after = await llmSeries();
    expect(Object.fromEntries([...seriesAdded(before, after)].filter(([, labelSets]) => labelSets.length > 1))).toEqual({});
    expect([...after.values()].flatMap((labelSets) => [...labelSets]).join('\n')).not.toMatch(/made-up|user-|rid-/);
  });
});
