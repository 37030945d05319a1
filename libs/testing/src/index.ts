export { fakeUpstreamText, startFakeUpstream, type FakeUpstream, type FakeUpstreamBehavior, type ReceivedRequest, type UpstreamFault } from './fake-upstream.js';
export { fetchMetrics, isListening, rawHttpExchange } from './http-probes.js';
export { LogCapture } from './log-capture.js';
export { freePort, waitFor } from './ports.js';
export { parsePrometheusText, sampleSum, sampleValue, scrape, seriesAdded, seriesPerMetric, type Samples } from './prometheus-text.js';
export { startRedis, type TestRedis } from './redis-server.js';
export { longModelFile, type TemporaryModelsFile } from './models-file.js';
