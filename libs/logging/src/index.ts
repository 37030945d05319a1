export { LoggingModule, pinoOptions, type LoggingOptions } from './logging.module.js';
export { REDACTED, redactCredentials, redactionPaths } from './redaction.js';
export { callerRequestId, resolveRequestId } from './request-id.js';
export { prettyDestination, prettyLine, quietBootLogger, type LogFormat } from './pretty-line.js';
