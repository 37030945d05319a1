export { createFastifyAdapter, renderStyleRefusal, shownRequestId, type AdapterOptions, type EdgeRefusal } from './fastify-adapter.js';
export { BodyReadError, bodyReadErrorOf, charsetOf, decodeJsonBody, JSON_BODY_MAX_DEPTH, nestingDepthOver, type BodyRefusal } from './json-body.js';
export { LifecycleModule, serveUntilSignal, ShutdownState, type ServeOptions } from './lifecycle.js';
export { configurationProblem, listenProblem, startOrExit } from './startup-errors.js';
export { isRegexWhitespace, WorkSlices } from './work-slices.js';
