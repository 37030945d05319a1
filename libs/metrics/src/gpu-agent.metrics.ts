import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL = 'llm_gpu_agent_scrape_errors_total';

export const gpuAgentMetricProviders = [
  makeCounterProvider({
    name: LLM_GPU_AGENT_SCRAPE_ERRORS_TOTAL,
    help: 'Failed nvidia-smi samples, by reason',
    labelNames: ['reason'],
  }),
];
