// Loaded with `node --import ./dist/otel.js` so tracing is in place before Nest loads.
import { startTracing } from '@tokenscope/tracing';

export const tracingHandle = startTracing('tokenscope-gpu-agent');
