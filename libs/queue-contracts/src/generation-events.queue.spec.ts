import { anyGenerationCompleted, currentGenerationEvent, generationCompleted, generationCompletedV1, generationCompletedV2 } from './generation-events.queue.js';
import { parseJob } from './queues.js';

const common = {
  model: 'sim-fast',
  userId: 'alice',
  endpoint: 'generate',
  status: 'success',
  errorCode: null,
  httpStatus: 200,
  finishReason: 'stop',
  promptTokens: 3,
  completionTokens: 4,
  isUsageEstimated: false,
  costUsd: 0.001,
  costBasis: 'tokens',
  ttftMs: 5,
  tpotMs: 1,
  latencyMs: 9,
  startedAtMs: 1_000,
  finishedAtMs: 1_009,
  output: 'An answer.',
  trace: {},
} as const;

describe('generation events contract', () => {
  const v3 = {
    v: 3,
    requestId: '0b5e3a52-1f7c-4d59-9d1c-2f0f6f0e4a11',
    publicId: 'caller-42',
    ...common,
    context: ['Docs.'],
    isContextReduced: false,
    question: 'What do the docs say?',
  } as const;
  const v2 = { v: 2, requestId: '0b5e3a52-1f7c-4d59-9d1c-2f0f6f0e4a11', publicId: 'caller-42', ...common, context: ['Docs.'], isContextReduced: false } as const;
  const v1 = { v: 1, requestId: 'caller-42', ...common, context: ['Docs.'] } as const;

  it('reads the current version as it is', () => {
    expect(currentGenerationEvent(parseJob('generation-events', 'generation.completed', v3))).toEqual(v3);
  });

  it('reads a version 2 event from an older gateway, without a question', () => {
    expect(currentGenerationEvent(parseJob('generation-events', 'generation.completed', v2))).toEqual({ ...v2, v: 3, question: null });
  });

  it('reads a version 1 event from an older gateway, its one id standing for both', () => {
    expect(currentGenerationEvent(parseJob('generation-events', 'generation.completed', v1))).toEqual({ ...v1, v: 3, publicId: 'caller-42', isContextReduced: false, question: null });
  });

  it('fails clearly on a version it does not know or a mix of two', () => {
    expect(() => anyGenerationCompleted.parse({ ...v3, v: 4 })).toThrow();
    expect(() => generationCompleted.parse({ ...v1, v: 3 })).toThrow(/publicId/);
    expect(() => generationCompleted.parse({ ...v2, v: 3 })).toThrow(/question/);
    // what a consumer of versions 1 and 2 does with a version 3 event: refuses it, never misreads it
    expect(() => generationCompletedV2.parse(v3)).toThrow();
    // what an older consumer (version 1 only) does with a version 2 event: refuses it, never misreads it
    expect(() => generationCompletedV1.parse(v2)).toThrow();
  });
});
