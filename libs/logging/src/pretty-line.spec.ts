import type { LoggerService } from '@nestjs/common';
import { prettyDestination, prettyLine, quietBootLogger } from './pretty-line.js';

const completed = {
  level: 'info',
  time: '2026-12-04T19:15:16.488Z',
  service: 'gateway',
  request_id: 'req-42',
  trace_id: '0af7651916cd43dd8448eb211c80319c',
  logger: 'generation',
  endpoint: 'generate',
  model: 'sim-fast',
  status: 'success',
  http_status: 200,
  prompt_tokens: 7,
  completion_tokens: 24,
  ttft_ms: 37.4,
  latency_ms: 77.2,
  cost_usd: 0.000015,
  output: '[redacted]',
  msg: 'generation completed',
};

describe('prettyLine', () => {
  it("puts a finished request's id, status, model, TTFT and cost on one readable line", () => {
    expect(prettyLine(completed, false)).toBe('19:15:16.488 gateway   INFO  generation completed req-42 success 200 sim-fast ttft 37 ms latency 77 ms tokens 7→24 $0.000015 endpoint=generate\n');
  });

  it('colours level and status only when asked', () => {
    expect(prettyLine(completed, false)).not.toContain('\u001b[');
    const colored = prettyLine({ ...completed, status: 'error', level: 'warn' }, true);
    expect(colored).toContain('\u001b[31merror 200\u001b[0m');
    expect(colored).toContain('\u001b[33mWARN ');
  });

  it('keeps any other field short, on the same line', () => {
    const line = prettyLine({ level: 'warn', time: completed.time, service: 'quality', msg: 'x', err: 'e'.repeat(500) }, false);
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain(`err=${'e'.repeat(120)}…`);
  });
});

describe('prettyDestination', () => {
  it('turns each JSON record into a line and passes anything else through', () => {
    const written: string[] = [];
    const destination = prettyDestination({ write: (chunk: string) => written.push(chunk) > 0 } as unknown as NodeJS.WritableStream, false);
    destination.write(`${JSON.stringify(completed)}\n`);
    destination.write('not json\n');
    expect(written[0]).toMatch(/^19:15:16\.488 gateway +INFO +generation completed req-42/);
    expect(written[1]).toBe('not json\n');
  });
});

describe('quietBootLogger', () => {
  it("moves Nest's start-up messages to debug, leaves a failed listen to the app's one line, and every other message where it was", () => {
    const calls: string[] = [];
    const inner: LoggerService = {
      log: (message: unknown, context?: unknown) => void calls.push(`log ${String(message)} ${String(context)}`),
      debug: (message: unknown, context?: unknown) => void calls.push(`debug ${String(message)} ${String(context)}`),
      error: (message: unknown, context?: unknown) => void calls.push(`error ${String(message)} ${String(context)}`),
      warn: (message: unknown) => void calls.push(`warn ${String(message)}`),
    };
    const logger = quietBootLogger(inner);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/v1/generate, POST} route', 'RouterExplorer');
    logger.log('ready', 'lifecycle');
    logger.warn('careful');
    logger.error('Error: listen EADDRINUSE: address already in use 0.0.0.0:8000', 'NestApplication');
    logger.error('Error: something else', 'NestApplication');
    expect(calls).toEqual([
      'debug AppModule dependencies initialized InstanceLoader',
      'debug Mapped {/v1/generate, POST} route RouterExplorer',
      'log ready lifecycle',
      'warn careful',
      'error Error: something else NestApplication',
    ]);
  });
});
