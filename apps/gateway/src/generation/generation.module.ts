import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { GenerationController } from './generation.controller.js';
import { GenerationRecorder } from './generation-recorder.js';
import { GenerationService } from './generation.service.js';

@Module({
  imports: [EventsModule],
  controllers: [GenerationController],
  providers: [GenerationService, GenerationRecorder],
  exports: [GenerationService],
})
export class GenerationModule {}
