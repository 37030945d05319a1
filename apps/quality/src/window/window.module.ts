import { Module } from '@nestjs/common';
import { QualityController } from './quality.controller.js';
import { QualityReportService } from './quality-report.service.js';

@Module({
  controllers: [QualityController],
  providers: [QualityReportService],
  exports: [QualityReportService],
})
export class WindowModule {}
