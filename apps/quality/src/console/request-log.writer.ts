import { Inject, Injectable } from '@nestjs/common';
import type { GenerationCompleted } from '@tokenscope/queue-contracts';
import { QUALITY_CONFIG, type QualityConfig } from '../config/quality.config.js';
import type { QualityVerdict } from '../detectors/detector-suite.js';
import { entryOf } from './request-entry.js';
import { REQUEST_LOG, type RequestLog } from './request-log.js';

/** What the generation-events consumer calls: one finished request into the console's list. */
@Injectable()
export class RequestLogWriter {
  constructor(
    @Inject(REQUEST_LOG) private readonly log: RequestLog,
    @Inject(QUALITY_CONFIG) private readonly config: QualityConfig,
  ) {}

  /** Idempotent: an event seen again (a retry) leaves the first entry as it is. */
  async write(event: GenerationCompleted, verdict: QualityVerdict): Promise<void> {
    await this.log.record(entryOf(event, verdict, { isContentKept: this.config.LOG_PROMPTS }));
  }
}
