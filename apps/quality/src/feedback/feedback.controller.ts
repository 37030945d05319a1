import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, type Caller, CurrentCaller } from '../http/api-keys.js';
import { ZodBodyPipe } from '../http/zod-body.pipe.js';
import { feedbackBody, type FeedbackBody, type FeedbackResult } from './feedback.dto.js';
import { FeedbackService } from './feedback.service.js';

@Controller('v1/feedback')
@UseGuards(ApiKeyGuard)
export class FeedbackController {
  constructor(private readonly feedback: FeedbackService) {}

  @Post()
  @HttpCode(200)
  submit(@Body(new ZodBodyPipe(feedbackBody)) body: FeedbackBody, @CurrentCaller() caller: Caller): Promise<FeedbackResult> {
    return this.feedback.submit(body, caller);
  }
}
