export { createFastifyAdapter, type AdapterOptions } from './fastify-adapter.js';
export { LifecycleModule, serveUntilSignal, ShutdownState, type ServeOptions } from './lifecycle.js';
