import { loadGatewayConfig } from './config/gateway.config.js';
import { createGatewayApp } from './configure-app.js';
import { tracingHandle } from './otel.js';

const config = loadGatewayConfig();
const app = await createGatewayApp(config);
await app.listen({ port: config.GATEWAY_PORT, host: config.GATEWAY_HOST });
process.once('exit', () => void tracingHandle.shutdown());
