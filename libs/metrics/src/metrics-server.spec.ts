import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsServer } from './metrics-server.js';
import { MetricsTokenCheck } from './metrics-token.js';

/** A port that nothing listens on a moment ago (localhost only). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe(MetricsServer.name, () => {
  const TOKEN = 'unit-scrape-token-4411aa';

  it('serves GET /metrics only, behind the token, and stops listening on shutdown', async () => {
    const port = await freePort();
    const server = new MetricsServer(port, new MetricsTokenCheck(TOKEN));
    await server.onModuleInit();
    try {
      const base = `http://127.0.0.1:${port}`;
      const refused = await fetch(`${base}/metrics`);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await refused.json()).toEqual({ code: 'UNAUTHORIZED', message: expect.stringMatching(/^authorization: /) });
      const served = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(served.status).toBe(200);
      expect(served.headers.get('cache-control')).toBe('no-store');
      await served.text();
      expect((await fetch(`${base}/metrics`, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      expect((await fetch(`${base}/other`)).status).toBe(404);
      const posted = await fetch(`${base}/metrics`, { method: 'POST' });
      expect(posted.status).toBe(405);
      expect(posted.headers.get('allow')).toBe('GET, HEAD');
    } finally {
      await server.onApplicationShutdown();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails to start with a message naming METRICS_PORT when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(new MetricsServer(port, new MetricsTokenCheck(undefined)).onModuleInit()).rejects.toThrow(`METRICS_PORT ${port}: cannot listen (EADDRINUSE)`);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });
});
