import type { Registry } from 'prom-client';
import { sendJson, type HttpServer } from './http-server.ts';
import { readinessChecks } from './readiness.ts';

export interface HealthRouteDeps {
  metrics: Registry;
  /** What /readyz probes: a name and a probe to run, or a broker URL to reach. */
  readiness: Record<string, (() => Promise<unknown>) | string>;
}

/**
 * The operator's routes: /healthz answers while the process serves, /readyz says whether each
 * dependency answers (503 when one does not), /metrics is the Prometheus scrape.
 */
export function mountHealthRoutes(http: HttpServer, deps: HealthRouteDeps): void {
  http
    .route('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }))
    .route('GET', '/readyz', async (_req, res) => {
      const checks = await readinessChecks(deps.readiness);
      sendJson(res, Object.values(checks).every(Boolean) ? 200 : 503, checks);
    })
    .route('GET', '/metrics', async (_req, res) => {
      const body = await deps.metrics.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.contentType });
      res.end(body);
    });
}
