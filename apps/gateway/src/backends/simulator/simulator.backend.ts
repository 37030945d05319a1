import { setTimeout as sleep } from 'node:timers/promises';
import type { ServedModel } from '../../config/model-catalog.js';
import type { Tokenizer } from '../../tokens/tokenizer.js';
import { BackendError, type BackendResult, type EmbeddingResult, type GenerationBackend, type GenerationRequest, type TokenSink } from '../backend.js';
import { countInputTokens } from '../input-tokens.js';
import { WorkSlices } from '@tokenscope/app-runtime';
import { AnswerText, type AnswerKind } from './answer-text.js';
import type { FaultSwitch } from './fault-switch.js';
import { LatencyModel } from './latency-model.js';
import { hashString, normalDraw, seededRandom } from './rng.js';

/** Length of a simulated embedding when the request names no `dimensions`. */
const SIMULATED_EMBEDDING_DIMENSIONS = 384;

/** Characters of a text a simulated answer's seed depends on: hashing a whole 1 MiB input held the event loop for ~200 ms. */
const SEED_SAMPLE_CHARS = 4096;

/** A seed that differs for different texts in practice: the text's start, its end and its length. */
function textSeed(text: string, seed: number): number {
  const sample = text.length <= 2 * SEED_SAMPLE_CHARS ? text : `${text.slice(0, SEED_SAMPLE_CHARS)}${text.length}${text.slice(-SEED_SAMPLE_CHARS)}`;
  return hashString(sample, seed);
}

function embeddingSeed(input: string | number[], seed: number): number {
  return textSeed(typeof input === 'string' ? input : input.slice(0, 2 * SEED_SAMPLE_CHARS).join(','), seed);
}

function unitVector(seed: number, dimensions: number): Float32Array {
  const random = seededRandom(seed);
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    vector[i] = normalDraw(random);
    norm += vector[i]! * vector[i]!;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) vector[i]! *= scale;
  return vector;
}

export interface SimulatorOptions {
  /** At temperature 0 (or with a request seed) the answer is a function of this seed and the input. */
  seed: number;
  /** Multiplies every delay; 0 answers at once. */
  speed: number;
  /** How long a hung request waits before failing, as an upstream would time out. */
  timeoutMs: number;
}

/**
 * The embedded model: answers from a bundled corpus (or from the request's context) with a
 * realistic latency model, real token counts and injectable faults. Lets `npm start` serve,
 * measure and alert without a GPU or a model server.
 */
export class SimulatorBackend implements GenerationBackend {
  private readonly inFlight = new Map<string, number>();
  private readonly answers: AnswerText;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly faults: FaultSwitch,
    private readonly options: SimulatorOptions,
  ) {
    this.answers = new AnswerText(tokenizer);
  }

  async readinessProblem(): Promise<string | undefined> {
    return undefined;
  }

  async generate(request: GenerationRequest, signal: AbortSignal, sink: TokenSink): Promise<BackendResult> {
    const model = request.model;
    const profile = model.simulator!;
    // the text is seeded (deterministic at temperature 0); delays and faults never are, so that
    // a fault rate of 10% fails 10% of identical requests rather than all or none of them
    const random = this.randomFor(request);
    const latency = new LatencyModel(profile, this.options.speed, Math.random);
    const fault = this.faults.draw(model.name, Math.random);
    const promptTokens = request.promptTokens ?? (await this.countPrompt(request));
    const [shortest, longest] = profile.natural_length_tokens;
    const naturalLength = shortest + Math.floor(random() * (Math.max(shortest, longest) - shortest + 1));
    const kind: AnswerKind =
      fault.content === 'refusal' ? 'refusal' : fault.content === 'off_context' || !request.context ? 'corpus' : 'grounded';
    const planned = this.answers.tokens(kind, naturalLength, random, request.context);
    const tokens = planned.slice(0, request.maxTokens);
    const finishReason = planned.length > request.maxTokens ? 'length' : 'stop';

    const inFlight = (this.inFlight.get(model.name) ?? 0) + 1;
    this.inFlight.set(model.name, inFlight);
    try {
      const ttftMs = latency.ttftMs(promptTokens, inFlight);
      switch (fault.transport) {
        case 'rate_limit':
          throw new BackendError('UPSTREAM_RATE_LIMITED', `simulated model ${model.name} is rate limited`, { retryAfterSeconds: 1 });
        case 'server_error':
          await pause(ttftMs / 2, signal);
          throw new BackendError('UPSTREAM_ERROR', `simulated model ${model.name} failed`, { upstreamStatus: 500 });
        case 'timeout':
          await pause(this.options.timeoutMs, signal);
          throw new BackendError('UPSTREAM_TIMEOUT', `simulated model ${model.name} did not answer within ${this.options.timeoutMs} ms`);
        default:
      }
      await pause(ttftMs, signal);
      const cutAt = fault.transport === 'cut_stream' ? Math.floor(tokens.length / 2) : -1;
      for (let i = 0; i < tokens.length; i++) {
        if (i === cutAt) throw new BackendError('UPSTREAM_STREAM_CUT', `simulated model ${model.name} dropped the stream`);
        if (i > 0) await pause(latency.interTokenMs(this.inFlight.get(model.name) ?? 1), signal);
        const pending = sink.token(this.answers.decode(tokens[i]!));
        if (pending) await pending;
      }
      return { finishReason, usage: { promptTokens, completionTokens: tokens.length } };
    } finally {
      this.inFlight.set(model.name, (this.inFlight.get(model.name) ?? 1) - 1);
    }
  }

  private countPrompt(request: GenerationRequest): Promise<number> {
    return countInputTokens(this.tokenizer, request.input);
  }

  /**
   * Deterministic unit vectors, one per input, seeded by the text: the same input always gets
   * the same vector, different inputs unrelated ones (no semantics: a stand-in for the wire shape,
   * the token counts and the timing).
   */
  async embed(request: GenerationRequest, signal: AbortSignal): Promise<EmbeddingResult> {
    if (request.input.kind !== 'embedding') throw new Error('embed needs an embedding input');
    const body = request.relayBody ?? {};
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : SIMULATED_EMBEDDING_DIMENSIONS;
    const isBase64 = body.encoding_format === 'base64';
    const rawInputs = body.input;
    const inputs: Array<string | number[]> = typeof rawInputs === 'string' ? [rawInputs] : Array.isArray(rawInputs) && typeof rawInputs[0] === 'number' ? [rawInputs as number[]] : (rawInputs as Array<string | number[]>);
    const promptTokens = request.promptTokens ?? (await this.countPrompt(request));
    // a prefill-like delay: the base time to first token and the per-token prefill
    const latency = new LatencyModel(request.model.simulator!, this.options.speed, Math.random);
    await sleep(latency.ttftMs(promptTokens, 1), undefined, { signal });
    const slices = new WorkSlices();
    const data = [];
    for (const [index, input] of inputs.entries()) {
      const vector = unitVector(embeddingSeed(input, this.options.seed), dimensions);
      data.push({ object: 'embedding', index, embedding: isBase64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector) });
      await slices.yieldIfLong();
    }
    const usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
    return { body: JSON.stringify({ object: 'list', data, model: request.model.name, usage }), usage: { promptTokens, completionTokens: 0 } };
  }

  /** Deterministic at temperature 0 or with a request seed; otherwise fresh randomness. */
  private randomFor(request: GenerationRequest): () => number {
    const isDeterministic = request.temperature === 0 || request.seed !== undefined;
    if (!isDeterministic) return Math.random;
    const seed = request.seed ?? this.options.seed;
    const input = request.input;
    const text = input.kind === 'prompt' ? input.prompt : input.kind === 'chat' ? input.messages.map((m) => `${m.role}\u0000${m.content}`).join('\u0001') : input.texts.join('\n');
    return seededRandom(textSeed(`${request.model.name}\u0000${text}`, seed));
  }
}

/** Sleeps unless the delay rounds to nothing; rejects with an AbortError when the signal fires. */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw signal.reason ?? new Error('aborted');
  if (ms < 0.5) return;
  await sleep(ms, undefined, { signal });
}

export function simulatorModelsOf(models: readonly ServedModel[]): ServedModel[] {
  return models.filter((m) => m.backend === 'simulator');
}
