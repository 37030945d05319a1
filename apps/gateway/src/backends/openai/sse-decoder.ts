/** The longest line an upstream may send before the stream is treated as broken: it is held in memory. */
export const SSE_LINE_LIMIT_CHARS = 4 * 1_048_576;

/** An upstream sent a line longer than SSE_LINE_LIMIT_CHARS. */
export class SseLineTooLongError extends Error {
  constructor() {
    super(`the upstream sent an event line over ${SSE_LINE_LIMIT_CHARS} characters`);
    this.name = 'SseLineTooLongError';
  }
}

/**
 * Splits a text/event-stream into the payloads of its `data:` fields, across arbitrary chunk
 * boundaries. Comments, `event:` and `id:` lines are skipped: OpenAI-compatible servers put
 * everything in `data:`, except llama.cpp's server, which reports a failure in an `error:` field:
 * that one comes out as `{"error": <its payload>}`, the shape the others use.
 */
export class SseDecoder {
  private pending = '';
  private dataLines: string[] = [];
  private errorLine: string | undefined;

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const events: string[] = [];
    let lineStart = 0;
    for (;;) {
      const newline = text.indexOf('\n', lineStart);
      if (newline === -1) break;
      let line = text.slice(lineStart, newline);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      lineStart = newline + 1;
      if (line.length === 0) {
        if (this.dataLines.length > 0) {
          events.push(this.dataLines.join('\n'));
          this.dataLines = [];
        }
        if (this.errorLine !== undefined) {
          events.push(`{"error":${this.errorLine}}`);
          this.errorLine = undefined;
        }
      } else if (line.startsWith('data:')) {
        this.dataLines.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
      } else if (line.startsWith('error:')) {
        const payload = line.slice(line.charCodeAt(6) === 32 ? 7 : 6);
        this.errorLine = payload.startsWith('{') || payload.startsWith('"') ? payload : JSON.stringify(payload);
      }
    }
    this.pending = text.slice(lineStart);
    // a hostile or broken upstream that never ends a line must not grow this buffer without bound
    if (this.pending.length > SSE_LINE_LIMIT_CHARS) throw new SseLineTooLongError();
    return events;
  }

  /** Whatever complete data the stream held when it ended without a final blank line. */
  end(): string[] {
    const events = this.push('\n\n');
    this.pending = '';
    return events;
  }
}
