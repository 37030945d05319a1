import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import { ENTRY_OUTPUT_LIMIT_CHARS, entryOf, traceIdOf } from './request-entry.js';

const event: GenerationCompleted = {
  v: 3,
  requestId: 'gw-1',
  publicId: 'req-1',
  isContextReduced: false,
  model: 'sim-fast',
  userId: 'alice',
  endpoint: 'generate',
  status: 'success',
  errorCode: null,
  httpStatus: 200,
  finishReason: 'stop',
  promptTokens: 5,
  completionTokens: 7,
  isUsageEstimated: false,
  costUsd: 0.0002,
  costBasis: 'tokens',
  ttftMs: 12,
  tpotMs: 3,
  latencyMs: 40,
  startedAtMs: 1_000,
  finishedAtMs: 1_040,
  output: 'x'.repeat(ENTRY_OUTPUT_LIMIT_CHARS + 10),
  context: null,
  question: null,
  trace: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
};

describe('entryOf', () => {
  it('keeps the facts, the verdict of a success and the trace id, and no output unless asked', () => {
    const entry = entryOf(event, { isRefusal: true, grounding: 'grounded' }, { isContentKept: false });
    expect(entry).toMatchObject({ id: 'req-1', user: 'alice', status: 'success', ttftMs: 12, latencyMs: 40, completionTokens: 7, costUsd: 0.0002, isRefusal: true, grounding: 'grounded', traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(entry).not.toHaveProperty('output');
  });

  it('keeps the output cut to its limit only when content may be kept', () => {
    expect(entryOf(event, { isRefusal: false, grounding: 'not_checked' }, { isContentKept: true }).output).toHaveLength(ENTRY_OUTPUT_LIMIT_CHARS);
  });

  it('shows no verdict for a request that was not reviewed (anything but a success)', () => {
    expect(entryOf({ ...event, status: 'error' }, { isRefusal: false, grounding: 'not_checked' }, { isContentKept: false })).toMatchObject({ isRefusal: null, grounding: null });
  });
});

describe('traceIdOf', () => {
  it('reads the trace id of a W3C traceparent and nothing else', () => {
    expect(traceIdOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(traceIdOf('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeNull();
    expect(traceIdOf('garbage')).toBeNull();
    expect(traceIdOf(undefined)).toBeNull();
  });
});
