/**
 * Bucket layouts, chosen on purpose: the OpenTelemetry GenAI semantic conventions' advice
 * (gen_ai.server.request.duration, time_to_first_token, time_per_output_token) plus an exact
 * edge at every threshold an alert in infra/prometheus compares a quantile with, so that
 * `histogram_quantile(...) > threshold` is decided at a bucket edge, not by interpolation. The
 * latency SLOs of infra/slo/slos.yaml count requests under a threshold: theirs must be edges too.
 */

/** Request latency, seconds: GenAI advice with edges at 1 s and 2 s; 10.24 s is the latency SLO's. */
export const REQUEST_LATENCY_BUCKETS_SECONDS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1, 1.28, 2, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** Time to first token, seconds: GenAI advice; its 1 s edge is the TTFT alert's and SLO's threshold. */
export const TTFT_BUCKETS_SECONDS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/**
 * Time per output token, seconds: GenAI advice starts at 10 ms, below what small models on
 * current GPUs reach, so 2.5, 5 and 7.5 ms edges are added.
 */
export const TPOT_BUCKETS_SECONDS = [
  0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
];

/** Durations of the apps' own work (sampling, event processing), seconds. */
export const WORK_DURATION_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The gateway's share of the time to first token, seconds: sub-millisecond edges, since a relay
 * should add well under a millisecond, up to 1 s for a gateway in trouble.
 */
export const GATEWAY_OVERHEAD_BUCKETS_SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
