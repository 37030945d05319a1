// How every app runs in production: `npm start`, the bench and the soak import this; the
// Dockerfile repeats it (infra/test/compose.spec.ts checks that they agree).

/**
 * --max-semi-space-size=8: a smaller young generation; the gateway's peak RSS at 64 streams fell
 * from ~325 to ~250 MB for the same CPU (docs/benchmarks.md).
 */
export const APP_NODE_FLAGS = ['--enable-source-maps', '--max-semi-space-size=8'];

/** Tracing starts before Nest loads (libs/tracing). */
export const APP_ENTRY = ['--import', './dist/otel.js', 'dist/main.js'];

/**
 * MALLOC_ARENA_MAX=2: glibc gives each thread that allocates its own malloc arena and keeps what
 * it freed; a Node process has a dozen threads. Two arenas cut the gateway's peak RSS at 64
 * streams from ~300 to ~200 MB for the same CPU (docs/benchmarks.md). It must be in the
 * environment before the process starts; a value already set wins.
 */
export function appEnv(env) {
  return { MALLOC_ARENA_MAX: '2', ...env };
}
