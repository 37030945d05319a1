import { Module } from '@nestjs/common';
import { GpuSamplesPublisher } from './gpu-samples.publisher.js';

@Module({
  providers: [GpuSamplesPublisher],
  exports: [GpuSamplesPublisher],
})
export class PublishingModule {}
