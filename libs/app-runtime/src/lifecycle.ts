import { Global, Injectable, Logger, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { listenProblem } from './startup-errors.js';

/** Turns true when shutdown begins, before anything closes, so /readyz answers 503 first. */
@Injectable()
export class ShutdownState {
  private shuttingDown = false;

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  begin(): void {
    this.shuttingDown = true;
  }
}

@Global()
@Module({ providers: [ShutdownState], exports: [ShutdownState] })
export class LifecycleModule {}

export interface ServeOptions {
  /** Names the app in a start-up problem's one line (`gateway: port 8000 is already in use…`). */
  appName: string;
  port: number;
  /** The variable that sets `port`, named when the port cannot be used. */
  portVariable: string;
  host: string;
  /** Longest wait for in-flight requests (streams included) after SIGTERM. */
  drainMs: number;
  /** How long readiness answers 503 while the app still serves, before it stops accepting. */
  readinessDelayMs?: number;
  /** Runs after the app closed (e.g. flushing spans). */
  afterClose?: () => Promise<void>;
}

/**
 * Listens, then on SIGTERM or SIGINT: readiness goes 503 (and stays served for readinessDelayMs),
 * new connections are refused,
 * in-flight requests get up to drainMs to finish, the app's shutdown hooks flush what they hold
 * (events, Redis), `afterClose` runs, and the process exits 0 (1 if shutdown itself failed).
 */
export async function serveUntilSignal(app: NestFastifyApplication, options: ServeOptions): Promise<void> {
  const logger = new Logger('lifecycle');
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    const problem = listenProblem(error, options);
    if (problem === undefined) throw error;
    // one line that says what and which variable fixes it, not Node's EADDRINUSE stack trace
    process.stderr.write(`${options.appName}: ${problem}\n`);
    process.exit(1);
  }
  let isStopping = false;
  const stop = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    logger.log({ signal, drainMs: options.drainMs, readinessDelayMs: options.readinessDelayMs ?? 0 }, 'shutting down');
    app.get(ShutdownState).begin();
    // keep serving while load balancers notice /readyz turned 503, then stop accepting
    if (options.readinessDelayMs) await new Promise((resolve) => setTimeout(resolve, options.readinessDelayMs));
    const server = app.getHttpServer();
    const drainTimer = setTimeout(() => {
      logger.warn({ drainMs: options.drainMs }, 'drain time over: closing the remaining connections');
      server.closeAllConnections();
    }, options.drainMs);
    drainTimer.unref();
    try {
      await app.close();
      await options.afterClose?.();
      clearTimeout(drainTimer);
      logger.log('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
