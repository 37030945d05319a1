import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GpuSample } from '@tokenscope/queue-contracts';
import { GPU_AGENT_CONFIG, type GpuAgentConfig } from '../config/gpu-agent.config.js';
import { GpuSamplesPublisher } from '../publishing/gpu-samples.publisher.js';
import { CLOCK, type Clock } from './clock.js';
import { GpuMetricsRecorder } from './gpu-metrics.recorder.js';
import { GPU_READER, type GpuReader, type GpuReading } from './gpu-reader.js';
import { SamplerHealth, type SamplerEvent } from './sampler-health.js';

/** What an operator can do about each failure, added to its (single) log line. */
const HINTS: Record<string, string> = {
  binary_missing: 'install the NVIDIA driver (it ships nvidia-smi) or set GPU_AGENT_NVIDIA_SMI; on a host without NVIDIA GPUs this agent has nothing to export',
  driver_unavailable: 'check that `nvidia-smi` works on the host; in a container, run with the NVIDIA runtime (--gpus all / runtime: nvidia)',
  no_gpu: 'the driver answers but lists no GPU: check the container sees the devices (NVIDIA_VISIBLE_DEVICES) or the host has GPUs',
  timeout: 'nvidia-smi hangs: a wedged driver or a GPU in a bad state often needs a reset or a reboot',
  unsupported_field: 'the driver does not know a queried field: update the driver',
};

/**
 * Takes one sample: reads the GPUs, records the metrics, publishes the sample, and logs what
 * changed. Never throws, never overlaps itself.
 */
@Injectable()
export class GpuSamplingService {
  private readonly logger = new Logger(GpuSamplingService.name);
  private inFlight: Promise<void> | undefined;

  constructor(
    @Inject(GPU_AGENT_CONFIG) private readonly config: GpuAgentConfig,
    @Inject(GPU_READER) private readonly reader: GpuReader,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly recorder: GpuMetricsRecorder,
    private readonly publisher: GpuSamplesPublisher,
    private readonly health: SamplerHealth,
  ) {}

  /** The scheduled tick: skipped while the previous sample is still running (a slow nvidia-smi). */
  tick(): Promise<void> {
    return (this.inFlight ??= this.sample().finally(() => (this.inFlight = undefined)));
  }

  /** A sample that starts after the one in flight, if any (tests and the first sample at boot). */
  async sampleNow(): Promise<void> {
    await this.inFlight;
    await this.tick();
  }

  /** Waits for the sample in flight (shutdown). */
  async idle(): Promise<void> {
    await this.inFlight;
  }

  private async sample(): Promise<void> {
    const sampledAtMs = this.clock.nowMs();
    const startedMs = this.clock.monotonicMs();
    let reading: GpuReading;
    try {
      reading = await this.reader.read();
    } catch (error) {
      // readers report failures in the reading; this is a bug, still not worth a crash loop
      reading = { gpus: [], failure: { reason: 'command_failed', detail: `reader failed: ${(error as Error).message}` }, notices: [] };
    }
    const durationSeconds = Math.max(0, this.clock.monotonicMs() - startedMs) / 1000;
    this.recorder.record(reading, sampledAtMs, durationSeconds);
    for (const notice of reading.notices) this.logger.log({ nvidiaSmi: this.config.GPU_AGENT_NVIDIA_SMI }, notice);
    for (const event of this.health.record(reading, sampledAtMs)) this.log(event);
    if (reading.gpus.length > 0) this.publisher.publish(this.sampleOf(reading, sampledAtMs));
  }

  private sampleOf(reading: GpuReading, sampledAtMs: number): GpuSample {
    return {
      v: 1,
      host: this.config.GPU_AGENT_HOSTNAME,
      model: this.config.GPU_AGENT_MODEL ?? null,
      sampledAtMs,
      intervalMs: this.config.GPU_AGENT_INTERVAL_MS,
      gpus: reading.gpus,
    };
  }

  private log(event: SamplerEvent): void {
    const nvidiaSmi = this.config.GPU_AGENT_NVIDIA_SMI;
    switch (event.kind) {
      case 'started':
        this.logger.log({ gpus: event.gpus, nvidiaSmi }, 'gpu sampling started');
        break;
      case 'failing':
        this.logger.warn(
          { reason: event.failure.reason, detail: event.failure.detail, hint: HINTS[event.failure.reason], nvidiaSmi },
          'gpu sampling unavailable: no per-GPU metrics until it recovers',
        );
        break;
      case 'recovered':
        this.logger.log({ gpuCount: event.gpuCount, downForMs: event.downForMs }, 'gpu sampling recovered');
        break;
      case 'gpus-lost':
        this.logger.warn({ gpus: event.gpus }, 'gpus disappeared: their series are removed');
        break;
      case 'gpus-found':
        this.logger.log({ gpus: event.gpus }, 'gpus appeared');
        break;
      case 'incomplete':
        this.logger.warn({ reason: event.failure.reason, detail: event.failure.detail }, 'gpu sample incomplete: some GPUs did not answer');
        break;
    }
  }
}
