import { serveUntilSignal, startOrExit } from '@tokenscope/app-runtime';
import { loadGpuAgentConfig } from './config/gpu-agent.config.js';
import { createGpuAgentApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadGpuAgentConfig();
const app = await startOrExit('gpu-agent', () => createGpuAgentApp(config));
await serveUntilSignal(app, {
  appName: 'gpu-agent',
  portVariable: 'GPU_AGENT_PORT',
  port: config.GPU_AGENT_PORT,
  host: config.GPU_AGENT_HOST,
  drainMs: config.SHUTDOWN_DRAIN_MS,
  readinessDelayMs: config.SHUTDOWN_DELAY_MS,
  afterClose: () => tracingHandle.shutdown(),
});
