import { once } from 'node:events';
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
 * instead of growing the gateway's memory.
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

async function waitForDrain(response: ServerResponse): Promise<void> {
  await Promise.race([once(response, 'drain'), once(response, 'close')]);
}

/** Sends a complete JSON answer on the raw response. */
export function sendJson(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  response.end(body);
}
