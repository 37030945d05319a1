import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { configureMetricsRegistry } from './metrics-registry.js';
import { MetricsServer } from './metrics-server.js';
import { MetricsTokenCheck } from './metrics-token.js';

/** Who may read /metrics and where: the METRICS_* keys of an app's config (libs/config `metricsAccessConfig`). */
export interface MetricsAccess {
  /** Bearer token /metrics requires; unset: open. */
  METRICS_TOKEN?: string | undefined;
  /** Serve /metrics on this port instead of the API port; unset: on the API port. */
  METRICS_PORT?: number | undefined;
}

/**
 * Serves `/metrics` (on the API port, or on METRICS_PORT only, behind METRICS_TOKEN when set) and
 * makes an app's metric providers injectable everywhere in it.
 */
@Module({})
export class MetricsModule {
  static forRoot(metricProviders: Provider[], access: MetricsAccess = {}): DynamicModule {
    configureMetricsRegistry();
    const token = new MetricsTokenCheck(access.METRICS_TOKEN);
    const port = access.METRICS_PORT;
    return {
      module: MetricsModule,
      global: true,
      controllers: port === undefined ? [MetricsController] : [],
      providers: [
        ...metricProviders,
        { provide: MetricsTokenCheck, useValue: token },
        ...(port === undefined ? [] : [{ provide: MetricsServer, useFactory: () => new MetricsServer(port, token) }]),
      ],
      exports: metricProviders,
    };
  }
}
