import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { startTracing, type TracingHandle } from '@tokenscope/tracing';
import { startRedis, waitFor, type TestRedis } from '@tokenscope/testing';
import { EventQueue, generationEvent, REFUSAL_TEXT, startQuality, type RunningQuality } from './quality-harness.js';

const GATEWAY_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const GATEWAY_SPAN_ID = '00f067aa0ba902b7';

describe('the consumer span', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: TracingHandle;
  let redis: TestRedis;
  let events: EventQueue;
  let quality: RunningQuality;

  beforeAll(async () => {
    // NodeSDK reads OTEL_SDK_DISABLED from process.env itself (jest.setup.mjs turns tracing off)
    delete process.env.OTEL_SDK_DISABLED;
    tracing = startTracing('quality-test', { env: {}, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    redis = await startRedis();
    events = new EventQueue(redis.url, redis.prefix);
    quality = await startQuality({ REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix });
  });

  afterAll(async () => {
    await quality?.close();
    await events?.close();
    await redis?.stop();
    await tracing?.shutdown();
  });

  it("continues the gateway's trace from the context carried in the job", async () => {
    const event = generationEvent({ output: REFUSAL_TEXT, trace: { traceparent: `00-${GATEWAY_TRACE_ID}-${GATEWAY_SPAN_ID}-01` } });
    await events.publish(event);
    const span = await waitFor(() => {
      const found = exporter.getFinishedSpans().find((s) => s.name === 'process generation-events' && s.spanContext().traceId === GATEWAY_TRACE_ID);
      expect(found).toBeDefined();
      return found!;
    });
    expect(span.parentSpanContext?.spanId).toBe(GATEWAY_SPAN_ID);
    expect(span.attributes).toMatchObject({
      'messaging.system': 'bullmq',
      'messaging.destination.name': 'generation-events',
      'messaging.message.id': event.requestId,
      'tokenscope.request_id': event.requestId,
      'tokenscope.outcome': 'processed',
      'tokenscope.quality.refusal': true,
    });
  });
});
