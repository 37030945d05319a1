import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERATION_EVENTS, redisKeyspace } from '@tokenscope/queue-contracts';
import { longModelFile, sampleSum, sampleValue, startFakeUpstream, startRedis, type FakeUpstream, type TemporaryModelsFile, type TestRedis } from '@tokenscope/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { metrics, post, rssMb, startApp, type RunningApp } from './support/apps.js';
import { eventually, ProcessGroup } from './support/processes.js';
import { INFRA_DIR } from './support/tools.js';

/**
 * Faults against real processes: the built apps started as in production, a private Redis that
 * the test kills and restarts, a fake upstream, clients that go slow or away, and SIGTERM.
 */

describe('faults against real processes', () => {
  describe('Redis goes away while traffic flows, then comes back', () => {
    const processes = new ProcessGroup();
    let redis: TestRedis;
    let gateway: RunningApp;
    let quality: RunningApp;

    beforeAll(async () => {
      redis = await startRedis();
      const env = { REDIS_URL: redis.url, QUEUE_PREFIX: redis.prefix };
      [gateway, quality] = await Promise.all([
        startApp(processes, 'gateway', { ...env, SIMULATOR_SPEED: '0.1', EVENTS_BUFFER_LIMIT: '1000' }),
        startApp(processes, 'quality', env),
      ]);
    }, 60_000);

    afterAll(async () => {
      await processes.stopAll();
      await redis?.stop();
    });

    it('keeps generating, reports the outage, buffers events, and recovers on its own', async () => {
      const vote = (requestId: string) => post(`${quality.url}/v1/feedback`, { request_id: requestId, thumbs_up: true });
      const before = await post(`${gateway.url}/v1/generate`, { prompt: 'before the outage', max_tokens: 8 });
      expect(before.status).toBe(200);
      const beforeId = before.headers.get('x-request-id')!;
      await before.text();
      expect((await vote(beforeId)).status).toBe(200);
      await eventually('the first event is written', async () => sampleValue(await metrics(gateway.url), 'llm_queue_events_buffered', { queue: GENERATION_EVENTS }) === 0, processes, 10_000);

      await redis.kill();
      const outageIds: string[] = [];
      for (let i = 0; i < 20; i++) {
        const response = await post(`${gateway.url}/v1/generate`, { prompt: `during the outage ${i}`, max_tokens: 8, stream: i % 2 === 0 });
        expect(response.status).toBe(200);
        const text = await response.text();
        if (i % 2 === 0) expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
        outageIds.push(response.headers.get('x-request-id')!);
      }
      const gatewayReady = (await (await fetch(`${gateway.url}/readyz`)).json()) as { status: string; checks: { redis: string } };
      expect(gatewayReady.status).toBe('degraded');
      expect((await fetch(`${quality.url}/readyz`)).status).toBe(503);
      expect((await vote(outageIds[0]!)).status).toBe(503);
      expect(sampleValue(await metrics(gateway.url), 'llm_queue_events_buffered', { queue: GENERATION_EVENTS })).toBe(20);

      await redis.restart();
      // the buffered events drain into the queue and the quality service consumes them
      await eventually('the gateway drains its buffer', async () => sampleValue(await metrics(gateway.url), 'llm_queue_events_buffered', { queue: GENERATION_EVENTS }) === 0, processes, 30_000);
      await eventually(
        'the quality service is ready and consumed the 20 outage events',
        async () =>
          (await fetch(`${quality.url}/readyz`)).status === 200 &&
          sampleSum(await metrics(quality.url), 'llm_queue_events_consumed_total', { outcome: 'processed' }) >= 20,
        processes,
        30_000,
      );
      expect(sampleSum(await metrics(gateway.url), 'llm_queue_events_dropped_total')).toBe(0);

      // feedback works again: on a new request, and on one served during the outage
      const after = await post(`${gateway.url}/v1/generate`, { prompt: 'after the outage', max_tokens: 8 });
      const afterId = after.headers.get('x-request-id')!;
      await after.text();
      await eventually('feedback on a new request', async () => (await vote(afterId)).status === 200, processes, 10_000);
      await eventually('feedback on a request served during the outage', async () => (await vote(outageIds[1]!)).status === 200, processes, 10_000);
      expect(processes.exited()).toEqual([]);
    }, 120_000);
  });

  describe('SIGTERM', () => {
    const processes = new ProcessGroup();
    let redis: TestRedis;
    let otlp: Server;
    let spansPosted = 0;

    beforeAll(async () => {
      redis = await startRedis();
      otlp = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          spansPosted++;
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      await new Promise<void>((resolve) => otlp.listen(0, '127.0.0.1', resolve));
    });

    afterAll(async () => {
      await processes.stopAll();
      await redis?.stop();
      otlp?.close();
    });

    it('the gateway: refuses new work, finishes the stream in flight, flushes its event and spans, exits 0', async () => {
      const otlpPort = (otlp.address() as AddressInfo).port;
      const gateway = await startApp(processes, 'gateway', {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: redis.prefix,
        SIMULATOR_SPEED: '1',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '60000', // only the shutdown flush can deliver the spans
        EVENTS_FLUSH_INTERVAL_MS: '60000', // only the shutdown flush can deliver the event
        SHUTDOWN_DELAY_MS: '1500', // readiness 503 while still serving, then the listener closes
      });
      const inFlight = await fetch(`${gateway.url}/v1/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'draining-1' },
        body: JSON.stringify({ model: 'sim-large', prompt: 'a long answer', max_tokens: 40, stream: true }),
      });
      process.kill(gateway.pid, 'SIGTERM');
      // readiness turns 503 at once, while the gateway still serves for SHUTDOWN_DELAY_MS
      await eventually('readiness 503 during the shutdown delay', async () => (await fetch(`${gateway.url}/readyz`)).status === 503, processes, 1_000, 20);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      expect((await inFlight.text()).trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(await gateway.exited).toEqual({ code: 0, signal: null });

      const client = new Redis(redis.url);
      const queue = new Queue(GENERATION_EVENTS, { connection: client, prefix: redisKeyspace(redis.prefix) });
      // jobs are keyed by the gateway's own id; the answer's x-request-id is the event's publicId
      const shownId = inFlight.headers.get('x-request-id');
      expect((await queue.getJobs(['waiting'])).find((job) => job.data.publicId === shownId)?.data.status).toBe('success');
      await queue.close();
      client.disconnect();
      expect(spansPosted).toBeGreaterThan(0);
    }, 60_000);

    it('the quality service and the GPU agent exit 0, also with Redis gone', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sigterm-'));
      try {
        const env = { REDIS_URL: redis.url, QUEUE_PREFIX: `${redis.prefix}q` };
        const quality = await startApp(processes, 'quality', env);
        const agent = await startApp(processes, 'gpu-agent', { ...env, GPU_AGENT_NVIDIA_SMI: join(INFRA_DIR, 'test', 'fixtures', 'fake-nvidia-smi') });
        process.kill(quality.pid, 'SIGTERM');
        process.kill(agent.pid, 'SIGTERM');
        expect(await quality.exited).toEqual({ code: 0, signal: null });
        expect(await agent.exited).toEqual({ code: 0, signal: null });

        const again = await startApp(processes, 'quality', env);
        const agentAgain = await startApp(processes, 'gpu-agent', { ...env, GPU_AGENT_NVIDIA_SMI: join(INFRA_DIR, 'test', 'fixtures', 'fake-nvidia-smi') });
        await redis.kill();
        process.kill(again.pid, 'SIGTERM');
        process.kill(agentAgain.pid, 'SIGTERM');
        expect(await again.exited).toEqual({ code: 0, signal: null });
        expect(await agentAgain.exited).toEqual({ code: 0, signal: null });
        await redis.restart();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 90_000);
  });

  describe('slow and vanishing clients', () => {
    const processes = new ProcessGroup();
    let redis: TestRedis;
    let upstream: FakeUpstream;
    let gateway: RunningApp;
    let modelsFile: TemporaryModelsFile;

    beforeAll(async () => {
      redis = await startRedis();
      upstream = await startFakeUpstream({ tokens: 100_000, ttftMs: 0, interTokenMs: 50 });
      modelsFile = longModelFile(upstream.url);
      gateway = await startApp(processes, 'gateway', {
        REDIS_URL: redis.url,
        QUEUE_PREFIX: redis.prefix,
        LLM_BACKEND: 'openai',
        MODELS_FILE: modelsFile.path,
        GATEWAY_MAX_CONCURRENT_REQUESTS: '2000',
        UPSTREAM_CONNECTIONS: '2000',
      });
    }, 60_000);

    afterAll(async () => {
      await processes.stopAll();
      await upstream?.close();
      await redis?.stop();
      modelsFile?.remove();
    });

    /** Clients that send a streamed request and never read the answer. */
    function stuckClients(count: number): Socket[] {
      const body = JSON.stringify({ model: 'long-model', messages: [{ role: 'user', content: 'go' }], stream: true, max_tokens: 100_000 });
      return Array.from({ length: count }, () => {
        const socket = connect(Number(new URL(gateway.url).port), '127.0.0.1');
        socket.pause();
        socket.on('error', () => undefined);
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        return socket;
      });
    }

    async function leave(sockets: Socket[], expectedCancelled: number, cancelledBefore: number): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await eventually(
        'every stream is counted cancelled and the gauge is back to 0',
        async () => {
          const samples = await metrics(gateway.url);
          return sampleValue(samples, 'llm_active_requests') === 0 && sampleSum(samples, 'llm_requests_total', { status: 'cancelled' }) - cancelledBefore === expectedCancelled;
        },
        processes,
        60_000,
      );
    }

    it('holds 1,000 slow clients with bounded memory, stays responsive, and cleans up when they leave', async () => {
      const idleMb = rssMb(gateway.pid);
      const cancelledBefore = sampleSum(await metrics(gateway.url), 'llm_requests_total', { status: 'cancelled' });
      const abortedBefore = upstream.abortedCount();
      const sockets = stuckClients(1000);
      await eventually('all 1,000 streams admitted', async () => sampleValue(await metrics(gateway.url), 'llm_active_requests') === 1000, processes, 60_000);
      await new Promise((r) => setTimeout(r, 2000));
      expect(rssMb(gateway.pid) - idleMb).toBeLessThan(300);
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      await leave(sockets, 1000, cancelledBefore);
      await eventually('every upstream request was aborted', () => upstream.abortedCount() - abortedBefore === 1000, processes, 30_000);
      expect(processes.exited()).toEqual([]);
    }, 180_000);

    it('does not buffer a fast upstream for a client that stops reading: backpressure reaches the upstream', async () => {
      upstream.behavior.interTokenMs = 0; // 100,000 tokens as fast as possible: ~20 MB of SSE per stream
      try {
        const cancelledBefore = sampleSum(await metrics(gateway.url), 'llm_requests_total', { status: 'cancelled' });
        const sockets = stuckClients(20);
        await eventually('20 streams admitted', async () => sampleValue(await metrics(gateway.url), 'llm_active_requests') === 20, processes, 30_000);
        // the first seconds fill the kernel's socket buffers (several MB per stream on loopback);
        // after that nothing may move: unthrottled, each answer would be done in ~3 s
        await new Promise((r) => setTimeout(r, 3000));
        const settledMb = rssMb(gateway.pid);
        await new Promise((r) => setTimeout(r, 5000));
        expect(sampleValue(await metrics(gateway.url), 'llm_active_requests')).toBe(20);
        expect(rssMb(gateway.pid) - settledMb).toBeLessThan(30);
        await leave(sockets, 20, cancelledBefore);
      } finally {
        upstream.behavior.interTokenMs = 50;
      }
    }, 120_000);
  });
});
