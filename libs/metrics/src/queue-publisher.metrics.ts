import { makeCounterProvider, makeGaugeProvider } from '@willsoto/nestjs-prometheus';

// Every app that buffers what it writes to Redis (the gateway's events, the GPU agent's samples)
// reports it with these, labelled by queue.
export const LLM_QUEUE_EVENTS_PUBLISHED_TOTAL = 'llm_queue_events_published_total';
export const LLM_QUEUE_EVENTS_DROPPED_TOTAL = 'llm_queue_events_dropped_total';
export const LLM_QUEUE_EVENTS_BUFFERED = 'llm_queue_events_buffered';

export const queuePublisherMetricProviders = [
  makeCounterProvider({
    name: LLM_QUEUE_EVENTS_PUBLISHED_TOTAL,
    help: 'Events written to a queue or stream in Redis',
    labelNames: ['queue'],
  }),
  makeCounterProvider({
    name: LLM_QUEUE_EVENTS_DROPPED_TOTAL,
    help: 'Events lost because the buffer was full while Redis was unreachable, or at shutdown',
    labelNames: ['queue', 'reason'],
  }),
  makeGaugeProvider({
    name: LLM_QUEUE_EVENTS_BUFFERED,
    help: 'Events held in memory waiting for Redis',
    labelNames: ['queue'],
  }),
];
