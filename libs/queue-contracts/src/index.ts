export {
  EVENT_TEXT_LIMIT_CHARS,
  GENERATION_COMPLETED,
  GENERATION_EVENTS,
  generationCompleted,
  generationEndpoint,
  requestStatus,
  type GenerationCompleted,
  type GenerationEndpoint,
  type RequestStatus,
} from './generation-events.queue.js';
export { defaultJobOptions, isKnownJob, parseJob, queueContracts, type JobName, type JobPayload, type QueueName } from './queues.js';
export { traceCarrier, type TraceCarrier } from './trace-carrier.js';
export { REQUEST_RECORD_TTL_SECONDS, requestRecordKey, type RequestRecord } from './request-records.keys.js';
export { COST_LEDGER_DAY_TTL_SECONDS, modelSpendKey, totalSpendByDayKey, userSpendByDayKey, userSpendKey } from './cost-ledger.keys.js';
