import { SseDecoder, SseLineTooLongError } from './sse-decoder.js';

describe(SseDecoder.name, () => {
  const stream = 'data: {"a":1}\n\n: keep-alive comment\n\nevent: x\ndata: {"b":2}\r\n\r\ndata: [DONE]\n\n';

  it('yields each data payload once, whatever the chunk boundaries', () => {
    for (let size = 1; size <= stream.length; size++) {
      const decoder = new SseDecoder();
      const events: string[] = [];
      for (let i = 0; i < stream.length; i += size) events.push(...decoder.push(stream.slice(i, i + size)));
      events.push(...decoder.end());
      expect(events).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
    }
  });

  it('joins multi-line data fields with newlines', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: line one\ndata:line two\n\n')).toEqual(['line one\nline two']);
  });

  it('flushes a last event that lacks its blank line at the end', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('data: {"c":3}')).toEqual([]);
    expect(decoder.end()).toEqual(['{"c":3}']);
  });

  it("hands llama.cpp's error field over in the shape the other servers use", () => {
    const decoder = new SseDecoder();
    expect(decoder.push('error: {"code":500,"message":"slot unavailable","type":"server_error"}\n\n')).toEqual([
      '{"error":{"code":500,"message":"slot unavailable","type":"server_error"}}',
    ]);
    expect(new SseDecoder().push('error: plain words\n\n')).toEqual(['{"error":"plain words"}']);
  });

  it('refuses a line longer than its limit instead of buffering it', () => {
    const decoder = new SseDecoder();
    const piece = 'x'.repeat(1_048_576);
    expect(() => {
      for (let i = 0; i < 5; i++) decoder.push(i === 0 ? `data: ${piece}` : piece);
    }).toThrow(SseLineTooLongError);
  });
});
