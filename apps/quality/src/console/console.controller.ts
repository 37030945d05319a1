import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import type { ConsoleAccess, ConsoleOverview, ConsoleSettings, RequestDetail, RequestRow } from '@tokenscope/console-contract';
import type { FastifyReply } from 'fastify';
import { ApiKeyGuard, ApiKeys, assertCanReadAggregates, type Caller, CurrentCaller } from '../http/api-keys.js';
import { ZodBodyPipe } from '../http/zod-body.pipe.js';
import { QualityError } from '../quality.errors.js';
import { type ConsoleAsset, ConsoleAssets } from './console-assets.js';
import { requestsQuery, type RequestsQuery } from './console.dto.js';
import { ConsoleService } from './console.service.js';

/** The console's data: an operator's view of everyone's requests, so admins only once keys are configured. */
@Controller('v1/console')
@UseGuards(ApiKeyGuard)
export class ConsoleApiController {
  constructor(private readonly console: ConsoleService) {}

  @Get('settings')
  settings(@CurrentCaller() caller: Caller): ConsoleSettings {
    assertCanReadAggregates(caller);
    return { ...this.console.settings(), caller };
  }

  @Get('overview')
  overview(@CurrentCaller() caller: Caller): Promise<ConsoleOverview> {
    assertCanReadAggregates(caller);
    return this.console.overview();
  }

  @Get('requests')
  requests(@Query(new ZodBodyPipe(requestsQuery)) query: RequestsQuery, @CurrentCaller() caller: Caller): Promise<RequestRow[]> {
    assertCanReadAggregates(caller);
    return this.console.requests({ model: query.model, user: query.user, status: query.status, idContains: query.id }, query.limit);
  }

  @Get('requests/:requestId')
  request(@Param('requestId') requestId: string, @CurrentCaller() caller: Caller): Promise<RequestDetail> {
    assertCanReadAggregates(caller);
    return this.console.request(requestId);
  }
}

/**
 * Whether the console must ask for a key, asked before any other call so that an open service
 * shows no login and a keyed one gets no call refused: it tells nothing else.
 */
@Controller('v1/console/access')
export class ConsoleAccessController {
  constructor(private readonly keys: ApiKeys) {}

  @Get()
  access(): ConsoleAccess {
    return { isKeyRequired: this.keys.registry !== undefined };
  }
}

/**
 * The console's page and assets. They hold no data (the page asks the API above with the key
 * its user typed), so they are served to anyone, like a login page.
 */
@Controller('console')
export class ConsolePageController {
  constructor(private readonly assets: ConsoleAssets) {}

  @Get()
  page(@Res() reply: FastifyReply): void {
    const page = this.assets.page();
    if (!page) throw new QualityError('NOT_FOUND', `the console is not built in ${this.assets.dir}: run npm run build, or set CONSOLE_ASSETS_DIR`);
    send(reply, page);
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() reply: FastifyReply): void {
    const asset = this.assets.asset(name);
    if (!asset) throw new QualityError('NOT_FOUND', 'no such console asset');
    send(reply, asset);
  }
}

/** The page runs only its own scripts and talks only to this service: nothing from elsewhere, even if injected. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function send(reply: FastifyReply, asset: ConsoleAsset): void {
  void reply
    .header('content-type', asset.contentType)
    .header('cache-control', asset.cacheControl)
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .send(asset.body);
}
