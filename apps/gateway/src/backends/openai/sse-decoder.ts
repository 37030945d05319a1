/**
 * Splits a text/event-stream into the payloads of its `data:` fields, across arbitrary chunk
 * boundaries. Comments, `event:` and `id:` lines are skipped: OpenAI-compatible servers put
 * everything in `data:`.
 */
export class SseDecoder {
  private pending = '';
  private dataLines: string[] = [];

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
      } else if (line.startsWith('data:')) {
        this.dataLines.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
      }
    }
    this.pending = text.slice(lineStart);
    return events;
  }

  /** Whatever complete data the stream held when it ended without a final blank line. */
  end(): string[] {
    const events = this.push('\n\n');
    this.pending = '';
    return events;
  }
}
