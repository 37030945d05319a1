import type { GenerationEndpoint } from '@tokenscope/queue-contracts';
import fc from 'fast-check';
import { ModelCatalog, type ServedModel } from '../config/model-catalog.js';
import { GenerationError } from './generation.errors.js';
import { type RequestIdentity, GenerationRequestParser } from './request-parser.js';

const model = (name: string, maxTokensLimit: number): ServedModel => ({
  name,
  backend: 'simulator',
  upstreamUrl: undefined,
  upstreamHost: undefined,
  upstreamModel: name,
  maxTokensLimit,
  simulator: undefined,
  pricing: { kind: 'tokens', inputPer1kUsd: 0, outputPer1kUsd: 0 } as unknown as ServedModel['pricing'],
});

const catalog = new ModelCatalog([model('sim-fast', 4096), model('sim-small', 64)]);
const parser = new GenerationRequestParser(catalog, 256);
const identity: RequestIdentity = { requestId: 'req-1', userIdHeader: undefined };
const ENDPOINTS: GenerationEndpoint[] = ['generate', 'chat.completions', 'completions', 'embeddings'];
/** Per property (PROPERTY_RUNS=20000 for a deeper search). */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

/** A value that must never be quoted back in an error message. */
const MARKER = 'zq-marker-91f4';

/** Valid bodies, one per endpoint; the mutations below start from them. */
const VALID_BODIES: Record<GenerationEndpoint, Record<string, unknown>> = {
  generate: { prompt: 'hello', max_tokens: 8, model: 'sim-fast', temperature: 0.5, top_p: 0.9, seed: 7, stop: ['\n'], stream: false, user: 'alice', context: ['doc'] },
  'chat.completions': {
    model: 'sim-fast',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 8,
    max_completion_tokens: 8,
    temperature: 1,
    top_p: 1,
    n: 1,
    seed: 1,
    stop: 'x',
    stream: true,
    stream_options: { include_usage: true },
    user: 'bob',
    context: [],
  },
  completions: { model: 'sim-fast', prompt: 'once', max_tokens: 8, temperature: 0, top_p: 0.1, n: 1, seed: 3, stop: null, stream: false, echo: false, user: 'carol' },
  embeddings: { model: 'sim-fast', input: ['one', 'two'], encoding_format: 'float', dimensions: 64, user: 'dave' },
};

/** What every refusal must look like: a GenerationError the filter can map, naming a field. */
function expectWellFormedRefusal(error: unknown): GenerationError {
  if (!(error instanceof GenerationError)) throw new Error(`expected a GenerationError, got ${String(error)}`);
  expect(['INVALID_REQUEST', 'MODEL_NOT_FOUND']).toContain(error.code);
  expect(typeof error.details.param).toBe('string');
  expect(error.details.param!.length).toBeGreaterThan(0);
  expect(error.message.startsWith(`${error.details.param}: `)).toBe(true);
  expect(error.message).not.toContain(MARKER);
  expect(error.message.length).toBeLessThan(400);
  return error;
}

/** Parses and returns the refusal, or undefined when the body was accepted. */
function refusalOf(endpoint: GenerationEndpoint, body: unknown, who: RequestIdentity = identity): GenerationError | undefined {
  try {
    parser.parse(endpoint, body, who);
    return undefined;
  } catch (error) {
    return expectWellFormedRefusal(error);
  }
}

/** Any JSON value, with the marker among the strings it may hold. */
const anyJson = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.constantFrom(MARKER, `${MARKER}\u0000\ud800`, '', 'constructor', '__proto__', 'toString', 1e308, -0, 2 ** 53, -(2 ** 53)) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue(), { maxLength: 70 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 400 }) },
);

/** A key: one the schemas know, one they do not, or an awkward one. */
const anyKey = (endpoint: GenerationEndpoint) =>
  fc.oneof(
    fc.constantFrom(...Object.keys(VALID_BODIES[endpoint]), 'prompt', 'messages', 'echo', 'max_completion_tokens'),
    fc.constantFrom('', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', ' ', 'a.b', '0'),
    fc.string({ maxLength: 80 }),
  );

describe(`${GenerationRequestParser.name} under random input`, () => {
  it.each(ENDPOINTS)('answers any JSON value on %s with a request or a well-formed refusal, never another exception', (endpoint) => {
    fc.assert(
      fc.property(anyJson, (body) => {
        refusalOf(endpoint, body);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(ENDPOINTS)('answers any JSON object on %s the same way', (endpoint) => {
    fc.assert(
      fc.property(fc.dictionary(anyKey(endpoint), anyJson, { maxKeys: 12 }), (body) => {
        refusalOf(endpoint, body);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(ENDPOINTS)('names the mutated field when one field of a valid %s body is replaced by any value', (endpoint) => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(VALID_BODIES[endpoint])), anyJson, (field, value) => {
        const refusal = refusalOf(endpoint, { ...VALID_BODIES[endpoint], [field]: value });
        if (!refusal) return;
        const param = refusal.details.param!;
        expect(param === field || param.startsWith(`${field}.`)).toBe(true);
        // the field is there: a wrong value is not a missing one
        expect(refusal.message).not.toContain('is required');
      }),
      { numRuns: RUNS },
    );
  });

  it.each(ENDPOINTS)('names a removed required field, and accepts the removal of an optional one (%s)', (endpoint) => {
    const required: Record<GenerationEndpoint, string[]> = { generate: ['prompt'], 'chat.completions': ['model', 'messages'], completions: ['model', 'prompt'], embeddings: ['model', 'input'] };
    for (const field of Object.keys(VALID_BODIES[endpoint])) {
      const body = { ...VALID_BODIES[endpoint] };
      delete body[field];
      const refusal = refusalOf(endpoint, body);
      if (required[endpoint].includes(field)) expect(refusal?.details.param).toBe(field);
      else expect(refusal).toBeUndefined();
    }
  });

  it('names the part of a chat message that is wrong, whatever replaces it', () => {
    fc.assert(
      fc.property(fc.constantFrom('role', 'content', 'name'), anyJson, fc.nat({ max: 3 }), (field, value, index) => {
        const messages = Array.from({ length: index + 1 }, () => ({ role: 'user', content: 'hi' }));
        messages[index] = { ...messages[index]!, [field]: value };
        const refusal = refusalOf('chat.completions', { ...VALID_BODIES['chat.completions'], messages });
        if (refusal) expect(refusal.details.param!.startsWith(`messages.${index}`)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts every body built from valid values, and keeps what it was given', () => {
    const valid = fc.record(
      {
        prompt: fc.string({ minLength: 1, maxLength: 200 }),
        max_tokens: fc.integer({ min: 1, max: 4096 }),
        model: fc.constantFrom('sim-fast'),
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        top_p: fc.double({ min: 0, max: 1, noNaN: true }),
        seed: fc.integer(),
        stop: fc.oneof(fc.string({ maxLength: 256 }), fc.array(fc.string({ maxLength: 256 }), { maxLength: 4 })),
        stream: fc.boolean(),
        user: fc.string({ minLength: 1, maxLength: 256 }),
        context: fc.array(fc.string({ maxLength: 100 }), { maxLength: 64 }),
      },
      { requiredKeys: ['prompt'] },
    );
    fc.assert(
      fc.property(valid, (body) => {
        const request = parser.parse('generate', body, identity);
        expect(request.input).toEqual({ kind: 'prompt', prompt: body.prompt });
        expect(request.maxTokens).toBe(body.max_tokens ?? 256);
        if (body.user !== undefined) expect(request.userId).toBe(body.user);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it('answers any x-user-id header with a request or a refusal naming x-user-id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom(...ENDPOINTS), (header, endpoint) => {
        const refusal = refusalOf(endpoint, VALID_BODIES[endpoint], { requestId: 'req-2', userIdHeader: header });
        if (refusal) expect(refusal.details.param).toBe('x-user-id');
        else expect(header.length).toBeGreaterThan(0);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });
});
