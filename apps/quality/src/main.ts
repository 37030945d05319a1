import { serveUntilSignal, startOrExit } from '@tokenscope/app-runtime';
import { loadQualityConfig } from './config/quality.config.js';
import { createQualityApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadQualityConfig();
const app = await startOrExit('quality', () => createQualityApp(config));
// on SIGTERM: readiness 503, requests drained, then the worker finishes its jobs in flight and stops
await serveUntilSignal(app, {
  appName: 'quality',
  portVariable: 'QUALITY_PORT',
  port: config.QUALITY_PORT,
  host: config.QUALITY_HOST,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  readinessDelayMs: config.SHUTDOWN_DELAY_MS,
  afterClose: () => tracingHandle.shutdown(),
});
