import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { LoggerModule } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { stdTimeFunctions, type DestinationStream, type LoggerOptions } from 'pino';
import { type LogFormat, prettyDestination } from './pretty-line.js';
import { REDACTED, redactionPaths } from './redaction.js';

export interface LoggingOptions {
  service: string;
  level: string;
  logPrompts: boolean;
  /** Where lines go (stdout by default); tests pass a capture stream, which always gets JSON. */
  destination?: DestinationStream;
  /** `pretty` (LOG_FORMAT, set by `npm start` at a terminal) writes readable lines to stdout instead of JSON. */
  format?: LogFormat;
}

/** Adds the active span's ids to every line, so a log line leads to its trace. */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  // an all-zero id means "no trace" (tracing disabled)
  if (traceId === '00000000000000000000000000000000') return {};
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

/** pino options shared by the Nest logger and by code that logs before Nest starts. */
export function pinoOptions(options: LoggingOptions): LoggerOptions {
  return {
    level: options.level,
    base: { service: options.service },
    timestamp: stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
    redact: { paths: redactionPaths(options.logPrompts), censor: REDACTED },
  };
}

/**
 * nestjs-pino with one JSON line per event: request lines carry `request_id` (the id echoed
 * in `x-request-id`); automatic request/response lines are off because each app writes one
 * completion line of its own with the numbers that matter.
 */
@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const httpOptions: PinoHttpOptions = {
      ...pinoOptions(options),
      autoLogging: false,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'request_id' },
      genReqId: (req) => (req as { id?: string }).id ?? '',
    };
    const destination = options.destination ?? (options.format === 'pretty' ? prettyDestination() : undefined);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: destination ? [httpOptions, destination as DestinationStream] : httpOptions,
          // `context` is a request field (grounding documents) that the redaction hides
          renameContext: 'logger',
          // Fastify needs the explicit wildcard or no request gets a request-bound logger
          forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
        }),
      ],
    };
  }
}
