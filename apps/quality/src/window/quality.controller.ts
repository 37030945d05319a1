import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiKeyGuard, assertCanReadAggregates, type Caller, CurrentCaller } from '../http/api-keys.js';
import { type QualityReport, QualityReportService } from './quality-report.service.js';

@Controller('v1/quality')
@UseGuards(ApiKeyGuard)
export class QualityController {
  constructor(private readonly reports: QualityReportService) {}

  @Get()
  report(@CurrentCaller() caller: Caller): Promise<QualityReport> {
    assertCanReadAggregates(caller);
    return this.reports.report();
  }
}
