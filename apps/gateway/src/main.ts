import { serveUntilSignal, startOrExit } from '@tokenscope/app-runtime';
import { loadGatewayConfig } from './config/gateway.config.js';
import { createGatewayApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadGatewayConfig();
const app = await startOrExit('gateway', () => createGatewayApp(config));
await serveUntilSignal(app, {
  appName: 'gateway',
  portVariable: 'GATEWAY_PORT',
  port: config.GATEWAY_PORT,
  host: config.GATEWAY_HOST,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  readinessDelayMs: config.SHUTDOWN_DELAY_MS,
  afterClose: () => tracingHandle.shutdown(),
});
