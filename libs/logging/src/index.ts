export { LoggingModule, pinoOptions, type LoggingOptions } from './logging.module.js';
export { REDACTED, redactionPaths } from './redaction.js';
export { callerRequestId, resolveRequestId } from './request-id.js';
