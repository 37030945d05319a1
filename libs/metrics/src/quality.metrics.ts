import { makeCounterProvider } from '@willsoto/nestjs-prometheus';

export const LLM_QUEUE_EVENTS_CONSUMED_TOTAL = 'llm_queue_events_consumed_total';

export const qualityMetricProviders = [
  makeCounterProvider({
    name: LLM_QUEUE_EVENTS_CONSUMED_TOTAL,
    help: 'Generation events processed by the quality service, by outcome',
    labelNames: ['queue', 'outcome'],
  }),
];
