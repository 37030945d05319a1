import { Module } from '@nestjs/common';
import { LifecycleModule } from '@tokenscope/app-runtime';
import { HealthController } from './health.controller.js';

@Module({
  imports: [LifecycleModule],
  controllers: [HealthController],
})
export class HealthModule {}
