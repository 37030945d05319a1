import { sampleSum, sampleValue, startRedis, type Samples, type TestRedis } from '@tokenscope/testing';
import OpenAI from 'openai';
import { startGateway, type RunningGateway } from './gateway-harness.js';

/** Every series of the gateway's metrics that a request changes, for one model. */
function snapshot(samples: Samples, model: string) {
  return {
    success: sampleValue(samples, 'llm_requests_total', { model, status: 'success' }),
    ttftCount: sampleValue(samples, 'llm_ttft_seconds_count', { model }),
    latencyCount: sampleValue(samples, 'llm_request_latency_seconds_count', { model }),
    tpotCount: sampleValue(samples, 'llm_tpot_seconds_count', { model }),
    completionTokens: sampleValue(samples, 'llm_tokens_generated_total', { model }),
    promptTokens: sampleValue(samples, 'llm_prompt_tokens_total', { model }),
    cost: sampleValue(samples, 'llm_cost_dollars_total', { model }),
    active: sampleValue(samples, 'llm_active_requests'),
    errors: sampleSum(samples, 'llm_requests_total', { model, status: 'error' }),
  };
}

describe('the official openai client against the gateway (simulator)', () => {
  let redis: TestRedis;
  let gateway: RunningGateway;
  let client: OpenAI;

  beforeAll(async () => {
    redis = await startRedis();
    gateway = await startGateway({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
    client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await redis?.stop();
  });

  it('lists the served models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['sim-fast', 'sim-large', 'sim-local-8b']);
  });

  it('answers plain and streamed chat and text completions, and the metrics move by exactly what was served', async () => {
    const before = snapshot(await gateway.metrics(), 'sim-fast');
    let completionTokens = 0;
    let promptTokens = 0;
    let tokenCountsAboveOne = 0;

    const chat = await client.chat.completions.create({
      model: 'sim-fast',
      messages: [{ role: 'user', content: 'How do I read a TTFT histogram?' }],
      max_tokens: 40,
      temperature: 0,
    });
    expect(chat.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(chat.usage?.completion_tokens).toBeGreaterThan(0);
    completionTokens += chat.usage!.completion_tokens;
    promptTokens += chat.usage!.prompt_tokens;
    tokenCountsAboveOne += chat.usage!.completion_tokens > 1 ? 1 : 0;

    const stream = await client.chat.completions.create({
      model: 'sim-fast',
      messages: [{ role: 'user', content: 'Stream me an answer.' }],
      max_tokens: 25,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamedText = '';
    let streamedUsage: OpenAI.CompletionUsage | undefined;
    let contentChunks = 0;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        streamedText += delta;
        contentChunks++;
      }
      if (chunk.usage) streamedUsage = chunk.usage;
    }
    expect(streamedText.length).toBeGreaterThan(0);
    expect(streamedUsage?.completion_tokens).toBe(contentChunks);
    completionTokens += streamedUsage!.completion_tokens;
    promptTokens += streamedUsage!.prompt_tokens;
    tokenCountsAboveOne += streamedUsage!.completion_tokens > 1 ? 1 : 0;

    const completion = await client.completions.create({ model: 'sim-fast', prompt: 'Once upon a time', max_tokens: 12 });
    expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
    expect(completion.usage?.completion_tokens).toBe(12);
    completionTokens += completion.usage!.completion_tokens;
    promptTokens += completion.usage!.prompt_tokens;
    tokenCountsAboveOne += 1;

    const streamedCompletion = await client.completions.create({
      model: 'sim-fast',
      prompt: 'Count to three',
      max_tokens: 1,
      stream: true,
      stream_options: { include_usage: true },
    });
    let oneTokenUsage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of streamedCompletion) if (chunk.usage) oneTokenUsage = chunk.usage;
    expect(oneTokenUsage?.completion_tokens).toBe(1);
    completionTokens += 1;
    promptTokens += oneTokenUsage!.prompt_tokens;

    const after = snapshot(await gateway.metrics(), 'sim-fast');
    expect(after.success - before.success).toBe(4);
    expect(after.ttftCount - before.ttftCount).toBe(4);
    expect(after.latencyCount - before.latencyCount).toBe(4);
    // TPOT is not observed for the 1-token answer
    expect(after.tpotCount - before.tpotCount).toBe(tokenCountsAboveOne);
    expect(after.completionTokens - before.completionTokens).toBe(completionTokens);
    expect(after.promptTokens - before.promptTokens).toBe(promptTokens);
    expect(after.cost - before.cost).toBeCloseTo((promptTokens * 0.00015 + completionTokens * 0.0006) / 1000, 12);
    expect(after.errors - before.errors).toBe(0);
    expect(after.active).toBe(0);
  });

  it('maps an unknown model to a 404 in OpenAI error shape', async () => {
    const failure = await client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.NotFoundError);
    expect((failure as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('MODEL_NOT_FOUND');
  });
});
