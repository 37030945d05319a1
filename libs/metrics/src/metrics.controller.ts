import { Controller, Get, Header, Headers, Res, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { renderMetrics } from './metrics-registry.js';
import { METRICS_UNAUTHORIZED_MESSAGE, METRICS_WWW_AUTHENTICATE, MetricsTokenCheck } from './metrics-token.js';

/** `/metrics` on the API port (registered only while METRICS_PORT is unset). */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly token: MetricsTokenCheck) {}

  @Get()
  @Header('cache-control', 'no-store')
  async index(
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('accept') accept?: string,
    @Headers('authorization') authorization?: string,
  ): Promise<string> {
    if (!this.token.allows(authorization)) {
      // on the raw response: each app's exception filter writes the 401 body, some of them on the raw response
      reply.raw.setHeader('www-authenticate', METRICS_WWW_AUTHENTICATE);
      throw new UnauthorizedException(METRICS_UNAUTHORIZED_MESSAGE);
    }
    const rendered = await renderMetrics(accept);
    void reply.header('content-type', rendered.contentType);
    return rendered.body;
  }
}
