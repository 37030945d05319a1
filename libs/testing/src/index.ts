export { fakeUpstreamText, startFakeUpstream, type FakeUpstream, type FakeUpstreamBehavior, type ReceivedRequest, type UpstreamFault, type UpstreamTranscript } from './fake-upstream.js';
export { UPSTREAM_TRANSCRIPTS, sseOf, type NamedTranscript } from './upstream-transcripts.js';
export { fetchMetrics, isListening, rawHttpExchange } from './http-probes.js';
export { LogCapture } from './log-capture.js';
export { freePort, waitFor } from './ports.js';
export { parsePrometheusText, sampleSum, sampleValue, scrape, seriesAdded, seriesPerMetric, type Samples } from './prometheus-text.js';
export { startRedis, type TestRedis } from './redis-server.js';
export { redosReport, redosVerdicts, scanRegexes, type ComputedRegexSite, type RedosReport, type RedosVerdict, type RegexScan, type SourceRegex } from './redos.js';
export { EVENT_LOOP_HOLD_LIMIT_MS, jsonBytes, leastHold, longestHold, PATHOLOGICAL_KINDS, pathologicalText, type PathologicalKind } from './event-loop-hold.js';
