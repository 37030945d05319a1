import { loadQualityConfig } from './config/quality.config.js';
import { createQualityApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadQualityConfig();
const app = await createQualityApp(config);
await app.listen({ port: config.QUALITY_PORT, host: config.QUALITY_HOST });
process.once('exit', () => void tracingHandle.shutdown());
