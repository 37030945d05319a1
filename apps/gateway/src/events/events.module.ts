import { Module } from '@nestjs/common';
import { GenerationEventsPublisher } from './generation-events.publisher.js';

@Module({
  providers: [GenerationEventsPublisher],
  exports: [GenerationEventsPublisher],
})
export class EventsModule {}
