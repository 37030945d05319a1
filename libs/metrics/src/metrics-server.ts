import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { renderMetrics } from './metrics-registry.js';
import { METRICS_UNAUTHORIZED_MESSAGE, METRICS_WWW_AUTHENTICATE, type MetricsTokenCheck } from './metrics-token.js';

/**
 * `/metrics` on its own port (METRICS_PORT), for deployments whose API port is public: only the
 * scraper's network needs to reach this one. A plain node:http server, started with the app
 * (a port in use fails the boot) and closed when the app shuts down, after the API has drained.
 */
export class MetricsServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('metrics');
  private readonly server: Server;

  constructor(
    private readonly port: number,
    private readonly token: MetricsTokenCheck,
  ) {
    this.server = createServer((request, response) => void this.handle(request, response));
    // a scrape is one small GET: a client that dawdles is cut off instead of holding a socket
    this.server.requestTimeout = 10_000;
    this.server.headersTimeout = 10_000;
  }

  /** The port actually bound (tests may ask for a free one). */
  get boundPort(): number | undefined {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async onModuleInit(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(new Error(`METRICS_PORT ${this.port}: cannot listen (${error.code ?? error.message})`));
      this.server.once('error', onError);
      this.server.listen(this.port, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    this.logger.log({ port: this.port, token_required: !this.token.isOpen }, 'metrics served on their own port');
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // idle keep-alive connections of the scraper would hold close() open until they time out
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') return send(response, 404, { code: 'NOT_FOUND', message: 'no such route: this port serves GET /metrics only' });
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return send(response, 405, { code: 'METHOD_NOT_ALLOWED', message: 'GET /metrics only' }, { allow: 'GET, HEAD' });
    }
    if (!this.token.allows(request.headers.authorization)) {
      return send(response, 401, { code: 'UNAUTHORIZED', message: METRICS_UNAUTHORIZED_MESSAGE }, { 'www-authenticate': METRICS_WWW_AUTHENTICATE });
    }
    try {
      const rendered = await renderMetrics(request.headers.accept);
      response.writeHead(200, { 'content-type': rendered.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(rendered.body) });
      response.end(request.method === 'HEAD' ? undefined : rendered.body);
    } catch (error) {
      this.logger.error({ err: error }, 'metrics could not be rendered');
      send(response, 500, { code: 'INTERNAL', message: 'internal error' });
    }
  }
}

function send(response: ServerResponse, status: number, body: { code: string; message: string }, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
}
