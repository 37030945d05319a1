import { serveUntilSignal } from '@tokenscope/app-runtime';
import { loadQualityConfig } from './config/quality.config.js';
import { createQualityApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadQualityConfig();
const app = await createQualityApp(config);
// on SIGTERM: readiness 503, requests drained, then the worker finishes its jobs in flight and stops
await serveUntilSignal(app, {
  port: config.QUALITY_PORT,
  host: config.QUALITY_HOST,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  readinessDelayMs: config.SHUTDOWN_DELAY_MS,
  afterClose: () => tracingHandle.shutdown(),
});
