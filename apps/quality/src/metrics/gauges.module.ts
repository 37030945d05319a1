import { Module } from '@nestjs/common';
import { MetricsRefresher } from './metrics-refresher.js';
import { QualityGauges } from './quality-gauges.js';

@Module({
  providers: [QualityGauges, MetricsRefresher],
})
export class GaugesModule {}
