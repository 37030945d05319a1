import type { ServerResponse } from 'node:http';

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  // tells nginx-style proxies in front of the gateway not to buffer the stream
  'x-accel-buffering': 'no',
};

/**
 * Writes an event stream on the raw response. Headers go out with the first event, so that an
 * upstream failure before the first token can still be a proper 502/504. A write the socket
 * cannot take returns a promise that resolves on drain: a slow client holds its stream back
 * instead of growing the gateway's memory. A client that takes nothing for the response's
 * write-stall timeout (limitWriteStalls) is disconnected, which ends the request as cancelled:
 * the upstream is paused meanwhile, so no other timeout would ever fire.
 */
export class SseWriter {
  private isOpen = false;

  constructor(private readonly response: ServerResponse) {}

  get hasStarted(): boolean {
    return this.isOpen;
  }

  write(chunk: string | Buffer): Promise<void> | undefined {
    if (this.response.destroyed) return undefined;
    if (!this.isOpen) {
      this.response.writeHead(200, STREAM_HEADERS);
      this.isOpen = true;
    }
    if (this.response.write(chunk)) return undefined;
    return waitForDrain(this.response);
  }

  end(chunk?: string): void {
    if (this.response.destroyed) return;
    if (!this.isOpen) {
      this.response.writeHead(200, STREAM_HEADERS);
      this.isOpen = true;
    }
    this.response.end(chunk);
  }
}

const WRITE_STALL_TIMEOUT_MS = Symbol('writeStallTimeoutMs');
const DEFAULT_WRITE_STALL_TIMEOUT_MS = 30_000;

type LimitedResponse = ServerResponse & { [WRITE_STALL_TIMEOUT_MS]?: number };

/** Sets how long a write to this response may wait for the client to take data (default 30 s). */
export function limitWriteStalls(response: ServerResponse, timeoutMs: number): void {
  (response as LimitedResponse)[WRITE_STALL_TIMEOUT_MS] = timeoutMs;
}

/**
 * Resolves on drain or close; destroys the response when neither comes within its write-stall
 * timeout. Every listener and the timer go when it settles, whichever way: a stream that waits
 * thousands of times leaves nothing behind.
 */
export function waitForDrain(response: ServerResponse): Promise<void> {
  if (response.destroyed) return Promise.resolve(); // its close has been and gone
  const timeoutMs = (response as LimitedResponse)[WRITE_STALL_TIMEOUT_MS] ?? DEFAULT_WRITE_STALL_TIMEOUT_MS;
  return new Promise((resolve) => {
    const settle = () => {
      clearTimeout(timer);
      response.off('drain', settle);
      response.off('close', settle);
      resolve();
    };
    const timer = setTimeout(() => {
      response.destroy();
      settle();
    }, timeoutMs);
    response.on('drain', settle);
    response.on('close', settle);
  });
}

/** Sends a complete JSON answer on the raw response. */
export function sendJson(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}
