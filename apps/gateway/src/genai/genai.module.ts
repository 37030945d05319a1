import { Global, Module } from '@nestjs/common';
import { GenAiTelemetry } from './genai-telemetry.js';

/** The GenAI telemetry, shared by the recorder (server side) and the backends (client side). */
@Global()
@Module({ providers: [GenAiTelemetry], exports: [GenAiTelemetry] })
export class GenAiModule {}
