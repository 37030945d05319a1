import type { LoggerService } from '@nestjs/common';
import { REDACTED } from './redaction.js';

/** `json`: one JSON line per event (production, tests, any pipe); `pretty`: one readable line for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

const RESET = '\u001b[0m';
const STYLE = {
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
} as const;
type Style = keyof typeof STYLE;

const LEVEL_STYLE: Record<string, Style> = { trace: 'dim', debug: 'dim', info: 'green', warn: 'yellow', error: 'red', fatal: 'red' };
const STATUS_STYLE: Record<string, Style> = { success: 'green', error: 'red', cancelled: 'yellow', rejected: 'magenta' };

/** Fields every line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['time', 'level', 'service', 'msg', 'logger', 'pid', 'hostname', 'trace_id', 'span_id', 'trace_flags', 'request_id']);
/** The finished request's numbers, shown in this order and this form. */
const REQUEST_FIELDS = new Set(['status', 'http_status', 'model', 'ttft_ms', 'latency_ms', 'prompt_tokens', 'completion_tokens', 'cost_usd']);
/** Longest value shown for any other field: a line stays one line. */
const VALUE_LIMIT_CHARS = 120;

/**
 * One log record (pino's JSON object) as one short line for a terminal:
 * `12:04:31.200 gateway  INFO  generation completed  req-42 success 200 sim-fast ttft 38 ms latency 121 ms tokens 7→24 $0.000015`.
 * Other fields follow as `key=value`. Colours only when `isColored`.
 */
export function prettyLine(record: Record<string, unknown>, isColored: boolean): string {
  const paint = (style: Style, text: string) => (isColored ? `${STYLE[style]}${text}${RESET}` : text);
  const level = String(record.level ?? 'info');
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const parts = [
    paint('dim', time),
    paint('cyan', String(record.service ?? '').padEnd(9)),
    paint(LEVEL_STYLE[level] ?? 'bold', level.toUpperCase().padEnd(5)),
    paint('bold', String(record.msg ?? '')),
  ];
  if (typeof record.request_id === 'string' && record.request_id) parts.push(paint('blue', record.request_id));
  if (typeof record.status === 'string') parts.push(paint(STATUS_STYLE[record.status] ?? 'bold', `${record.status}${record.http_status ? ` ${String(record.http_status)}` : ''}`));
  if (typeof record.model === 'string') parts.push(record.model);
  if (typeof record.ttft_ms === 'number') parts.push(`ttft ${Math.round(record.ttft_ms)} ms`);
  if (typeof record.latency_ms === 'number') parts.push(`latency ${Math.round(record.latency_ms)} ms`);
  if (typeof record.completion_tokens === 'number') parts.push(`tokens ${String(record.prompt_tokens ?? '?')}→${record.completion_tokens}`);
  if (typeof record.cost_usd === 'number') parts.push(paint('yellow', `$${record.cost_usd.toFixed(6)}`));
  for (const [key, value] of Object.entries(record)) {
    // a redacted field says nothing to a reader of the terminal (the JSON keeps it)
    if (HEAD_FIELDS.has(key) || REQUEST_FIELDS.has(key) || value === undefined || value === REDACTED) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(paint('dim', `${key}=${text.length > VALUE_LIMIT_CHARS ? `${text.slice(0, VALUE_LIMIT_CHARS)}…` : text}`));
  }
  return `${parts.join(' ')}\n`;
}

/** A pino destination that writes each JSON record as a pretty line (synchronously: for a terminal, not for load). */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout, isColored = !process.env.NO_COLOR): { write(line: string): boolean } {
  return {
    write(line: string): boolean {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return out.write(line);
      }
      return out.write(prettyLine(record, isColored));
    },
  };
}

/** Nest's own start-up messages (modules loaded, routes mapped): useful when debugging, noise otherwise. */
const BOOT_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);

/** Nest logs a failed listen before rethrowing it; the app's start-up says it in one line of its own (libs/app-runtime). */
const LISTEN_FAILURE = /^Error: listen (EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/;

/** The app's logger with Nest's boot chatter moved from `info` to `debug`, and its listen failures left to the app. */
export function quietBootLogger(logger: LoggerService): LoggerService {
  return {
    log: (message: unknown, ...rest: unknown[]) => {
      const context = rest.at(-1);
      if (typeof context === 'string' && BOOT_CONTEXTS.has(context)) logger.debug?.(message, ...rest);
      else logger.log(message, ...rest);
    },
    error: (message: unknown, ...rest: unknown[]) => {
      if (rest.at(-1) === 'NestApplication' && LISTEN_FAILURE.test(String(message))) return;
      logger.error(message, ...rest);
    },
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => logger.debug?.(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => logger.verbose?.(message, ...rest),
    fatal: (message: unknown, ...rest: unknown[]) => logger.fatal?.(message, ...rest),
  };
}
