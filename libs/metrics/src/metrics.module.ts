import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller.js';
import { configureMetricsRegistry } from './metrics-registry.js';

/** Serves `/metrics` and makes an app's metric providers injectable everywhere in it. */
@Module({})
export class MetricsModule {
  static forRoot(metricProviders: Provider[]): DynamicModule {
    configureMetricsRegistry();
    return {
      module: MetricsModule,
      global: true,
      imports: [
        PrometheusModule.register({
          controller: MetricsController,
          path: '/metrics',
          defaultMetrics: { enabled: false },
        }),
      ],
      providers: metricProviders,
      exports: metricProviders,
    };
  }
}
