import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per service instance (tests run several in one process), served at /metrics. */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
