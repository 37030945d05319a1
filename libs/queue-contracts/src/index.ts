export {
  anyGenerationCompleted,
  currentGenerationEvent,
  EVENT_CONTEXT_DOCUMENTS_LIMIT,
  EVENT_CONTEXT_LIMIT_BYTES,
  EVENT_OUTPUT_LIMIT_BYTES,
  EVENT_QUESTION_LIMIT_BYTES,
  EVENT_TEXT_LIMIT_CHARS,
  GENERATION_COMPLETED,
  GENERATION_EVENTS,
  generationCompleted,
  generationCompletedV1,
  type GenerationCompletedV1,
  generationCompletedV2,
  type GenerationCompletedV2,
  generationEndpoint,
  requestStatus,
  type GenerationCompleted,
  type GenerationEndpoint,
  type RequestStatus,
} from './generation-events.queue.js';
export { defaultJobOptions, isKnownJob, parseJob, queueContracts, type JobName, type JobPayload, type QueueName } from './queues.js';
export { traceCarrier, type TraceCarrier } from './trace-carrier.js';
export { REQUEST_RECORD_TTL_SECONDS, requestRecordKey, type RequestRecord } from './request-records.keys.js';
export { COST_LEDGER_DAY_TTL_SECONDS, gpuSampleBookedKey, modelSpendKey, totalSpendByDayKey, userSpendByDayKey, userSpendKey } from './cost-ledger.keys.js';
export { feedbackKey, judgeSpendKey, QUALITY_WINDOW_COUNT_FIELDS, qualityProcessedKey, qualityWindowCountsKey, qualityWindowEntriesKey, qualityWindowOrderKey, totalSpendKey, type FeedbackRecord, type QualityWindowCountField } from './quality.keys.js';
export {
  GPU_SAMPLE_FIELD,
  GPU_SAMPLES,
  GPU_SAMPLES_STREAM_MAXLEN,
  gpuLatestKey,
  gpuLatestKeyPattern,
  gpuLatestTtlSeconds,
  gpuProcess,
  gpuSample,
  gpuSamplesStreamKey,
  gpuSnapshot,
  gpuStats,
  parseGpuSample,
  parseGpuSnapshot,
  snapshotsOf,
  type GpuProcess,
  type GpuSample,
  type GpuSnapshot,
  type GpuStats,
} from './gpu-samples.queue.js';
export { SERVED_MODELS_LIMIT, SERVED_MODELS_TTL_SECONDS, servedModelsKey } from './served-models.keys.js';
export { boundEventContext, boundEventOutput, boundEventQuestion, cutToBytes } from './event-text.js';
export { budgetKey, rateLimitKey, simulatorFaultsKey, userTag, type RateLimitSubject } from './admission.keys.js';
export { redisKeyspace } from './keyspace.keys.js';
