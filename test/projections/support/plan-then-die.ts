// The service with its dispatcher off, killed (SIGKILL, no cleanup) the moment the planner has
// committed the notification rows of the events it was given: after the rows, before any send.
// Configured through the environment: the service's own variables, and EVENTS (JSON envelopes).
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig } from '../../../src/config.ts';
import { parseEnvelope } from '../../../src/domain/intake/envelope.ts';
import { startService } from '../../../src/service.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';

const events = JSON.parse(process.env.EVENTS ?? '[]') as unknown[];
const rows = Number(process.env.ROWS_BEFORE_DYING);
const service = await startService(loadConfig(process.env), { logger: silentLogger(), dispatch: false });
for (const raw of events) {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error(`invalid envelope: ${JSON.stringify(parsed.error)}`);
  await service.intake.record(parsed.value, 'http');
}
const written = service.metrics.getSingleMetric('deliveries_applied_with_append_total');
for (;;) {
  const value = (await written?.get())?.values[0]?.value ?? 0;
  if (value >= rows) process.kill(process.pid, 'SIGKILL');
  await delay(1);
}
