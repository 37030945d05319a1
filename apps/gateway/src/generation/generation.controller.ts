import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ModelCatalog } from '../config/model-catalog.js';
import { GenerationService } from './generation.service.js';

const CREATED_EPOCH_SECONDS = Math.floor(Date.now() / 1000);

@Controller('v1')
export class GenerationController {
  constructor(
    private readonly generation: GenerationService,
    private readonly catalog: ModelCatalog,
  ) {}

  @Post('generate')
  generate(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.generation.serve('generate', body, request, reply);
  }

  @Post('chat/completions')
  chatCompletions(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.generation.serve('chat.completions', body, request, reply);
  }

  @Post('completions')
  completions(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.generation.serve('completions', body, request, reply);
  }

  @Post('embeddings')
  embeddings(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.generation.serve('embeddings', body, request, reply);
  }

  @Get('models')
  models() {
    return {
      object: 'list',
      data: this.catalog.models.map((m) => ({ id: m.name, object: 'model', created: CREATED_EPOCH_SECONDS, owned_by: 'tokenscope' })),
    };
  }
}
