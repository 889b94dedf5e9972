// The service killed (SIGKILL, no cleanup) the moment the planner has committed the notification
// rows of the events it was given: after the rows, before any send. With HANDED unset its dispatcher
// is off; with HANDED=1 it runs, the rows are written claimed for it and handed to it, and its
// WhatsApp and email transports never answer, so nothing it holds is sent before it dies.
// Configured through the environment: the service's own variables, EVENTS (JSON envelopes) and
// ROWS_BEFORE_DYING.
import { setTimeout as delay } from 'node:timers/promises';
import type { ChannelTransport } from '../../../src/channels/channel-port.ts';
import { loadConfig } from '../../../src/config.ts';
import { parseEnvelope } from '../../../src/domain/intake/envelope.ts';
import { startService } from '../../../src/service.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';

const events = JSON.parse(process.env.EVENTS ?? '[]') as unknown[];
const rows = Number(process.env.ROWS_BEFORE_DYING);
const handed = process.env.HANDED === '1';
const silent = (channel: 'whatsapp' | 'email'): ChannelTransport => ({ channel, provider: 'sandbox', send: () => new Promise(() => undefined) });
const service = await startService(loadConfig(process.env), {
  logger: silentLogger(),
  ...(handed ? { transports: { whatsapp: silent('whatsapp'), email: silent('email') } } : { dispatch: false }),
});
for (const raw of events) {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error(`invalid envelope: ${JSON.stringify(parsed.error)}`);
  await service.intake.record(parsed.value, 'http');
}
const written = service.metrics.getSingleMetric(handed ? 'notifications_handed_total' : 'deliveries_applied_with_append_total');
for (;;) {
  const value = (await written?.get())?.values[0]?.value ?? 0;
  if (value >= rows) process.kill(process.pid, 'SIGKILL');
  await delay(1);
}
