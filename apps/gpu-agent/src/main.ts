import { loadGpuAgentConfig } from './config/gpu-agent.config.js';
import { createGpuAgentApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadGpuAgentConfig();
const app = await createGpuAgentApp(config);
await app.listen({ port: config.GPU_AGENT_PORT, host: config.GPU_AGENT_HOST });
process.once('exit', () => void tracingHandle.shutdown());
