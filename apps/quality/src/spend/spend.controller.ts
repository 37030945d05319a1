import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, assertCanReadAggregates, type Caller, CurrentCaller } from '../http/api-keys.js';
import { QualityError } from '../quality.errors.js';
import { SpendService, type UserSpend } from './spend.service.js';

const USER_ID_LIMIT_CHARS = 256;

@Controller('v1/spend')
@UseGuards(ApiKeyGuard)
export class SpendController {
  constructor(private readonly spend: SpendService) {}

  @Get(':userId')
  today(@Param('userId') userId: string, @CurrentCaller() caller: Caller): Promise<UserSpend> {
    assertCanReadAggregates(caller);
    if (userId.length > USER_ID_LIMIT_CHARS) throw new QualityError('INVALID_REQUEST', `userId: at most ${USER_ID_LIMIT_CHARS} characters`);
    return this.spend.today(userId);
  }
}
