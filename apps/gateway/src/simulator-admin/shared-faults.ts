import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { simulatorFaultsSchema, type SimulatorFaults } from '@tokenscope/config';
import { simulatorFaultsKey } from '@tokenscope/queue-contracts';
import { REDIS, type RedisClient } from '@tokenscope/redis';
import { FaultSwitch, type FaultName } from '../backends/simulator/fault-switch.js';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config/gateway.config.js';

const faultRates = simulatorFaultsSchema.unwrap().shape;
const BOOT_READ_TIMEOUT_MS = 1000;

/**
 * Fault rates changed at runtime on one replica apply on every replica: a change is written to
 * Redis as well as applied here, and each replica reads the settings at boot and every
 * SIMULATOR_FAULTS_SYNC_MS. Without Redis a change still applies to the replica that took it.
 */
@Injectable()
export class SharedFaults implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('simulator-faults');
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly faults: FaultSwitch,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.key = simulatorFaultsKey(config.QUEUE_PREFIX);
  }

  async onModuleInit(): Promise<void> {
    // a replica that starts mid-incident serves with the incident's rates from its first request
    await Promise.race([this.follow(), new Promise((resolve) => setTimeout(resolve, BOOT_READ_TIMEOUT_MS).unref())]);
    this.timer = setInterval(() => void this.follow(), this.config.SIMULATOR_FAULTS_SYNC_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Applies the changes here and shares them; false when they could not be shared (Redis unreachable). */
  async change(model: string, changes: Partial<SimulatorFaults>): Promise<boolean> {
    const fields = Object.entries(changes).flatMap(([fault, rate]) => [`${fault}:${model}`, String(rate)]);
    if (fields.length === 0) return true;
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      await this.redis.hset(this.key, ...fields);
      return true;
    } catch (error) {
      this.logger.warn({ model, reason: (error as Error).message }, 'fault change applied on this replica only');
      return false;
    }
  }

  /** Reads the shared settings and applies those of known simulated models; anything malformed is skipped. */
  private async follow(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    let stored: Record<string, string>;
    try {
      stored = await this.redis.hgetall(this.key);
    } catch {
      return;
    }
    const byModel = new Map<string, Partial<SimulatorFaults>>();
    for (const [field, value] of Object.entries(stored)) {
      const separator = field.indexOf(':');
      const fault = field.slice(0, separator) as FaultName;
      const model = field.slice(separator + 1);
      if (separator < 0 || !Object.hasOwn(faultRates, fault)) continue;
      const rate = faultRates[fault].safeParse(Number(value));
      if (!rate.success) continue;
      byModel.set(model, { ...byModel.get(model), [fault]: rate.data });
    }
    for (const [model, changes] of byModel) this.faults.set(model, changes);
  }
}
