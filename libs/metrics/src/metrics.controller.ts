import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply } from 'fastify';
import { renderMetrics } from './metrics-registry.js';

@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  @Header('cache-control', 'no-store')
  override async index(@Res({ passthrough: true }) reply: FastifyReply, @Headers('accept') accept?: string): Promise<string> {
    const rendered = await renderMetrics(accept);
    void reply.header('content-type', rendered.contentType);
    return rendered.body;
  }
}
