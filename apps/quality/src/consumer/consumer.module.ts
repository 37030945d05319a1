import { Module } from '@nestjs/common';
import { ConsoleModule } from '../console/console.module.js';
import { DetectorSuite } from '../detectors/detector-suite.js';
import { QUALITY_DETECTORS, type QualityDetector } from '../detectors/quality-detector.js';
import { ConsumerRecorder } from './consumer.recorder.js';
import { GenerationConsumer } from './generation-consumer.service.js';
import { GenerationEventsWorker } from './generation-events.worker.js';

@Module({
  imports: [ConsoleModule],
  providers: [
    { provide: DetectorSuite, useFactory: (detectors: QualityDetector[]) => new DetectorSuite(detectors), inject: [QUALITY_DETECTORS] },
    ConsumerRecorder,
    GenerationConsumer,
    GenerationEventsWorker,
  ],
})
export class ConsumerModule {}
