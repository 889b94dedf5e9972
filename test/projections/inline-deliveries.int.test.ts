import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookEndpoint } from '../../src/commands/webhooks/webhook-endpoint-commands.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { systemClock } from '../../src/service.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn, UPSTREAM_TYPES } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { metricValue } from '../intake/support/intake-harness.ts';

// Slots ahead of the machine's clock, which this file's service runs on.
const { validEnvelope } = envelopesOn(realClock);

describe.each([
  { path: 'with the plans, those due handed to the dispatcher', inline: true, handed: true },
  { path: 'with the plans, the dispatcher claiming them', inline: true, handed: false },
  { path: 'by the read-model lane alone', inline: false, handed: false },
])('notification rows written $path', ({ inline, handed }) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({
      dispatcher: { pollIntervalMs: 50 },
      ...(inline ? {} : { inlineDeliveries: false as const }),
      ...(handed ? {} : { handDeliveries: false as const }),
    });
    // A webhook endpoint hears every status change: the outbox reads each notification's status
    // before each event, which a row written with its plan must not hide from it.
    const deps = { store: service.store, clock: systemClock, keys: service.keys, checkTarget: async () => null };
    const created = await createWebhookEndpoint(deps, { url: 'https://his.clinic.example/hooks', eventKinds: ['notification.status_changed', 'notification.failed'] }, 'alice-admin');
    if (!created.ok) throw new Error(`endpoint refused: ${JSON.stringify(created.error)}`);
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
  });

  it('leaves rows and webhook messages a rebuild by the lane alone finds identical', async () => {
    // Given events of every kind, each of its notifications sent or closed
    const events = UPSTREAM_TYPES.flatMap((type) => [validEnvelope(type), validEnvelope(type)]);
    for (const raw of events) await recordAndProject(service, raw);
    await until(async () => {
      const open = await service.db.selectFrom('notifications').select('notification_id').where('status', 'in', ['planned', 'sending']).execute();
      return open.length === 0;
    }, { what: 'every notification sent or closed', timeoutMs: 30_000 });
    const head = await service.store.headPosition();
    if (head) await service.whenProcessed(head);
    const queued = await service.db.selectFrom('webhook_deliveries').select(({ fn }) => fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(queued.n)).toBeGreaterThan(0);
    const withPlans = await metricValue(service.metrics, 'deliveries_applied_with_append_total');
    if (inline) expect(withPlans).toBeGreaterThan(0);
    else expect(withPlans).toBe(0);
    const handedOver = await metricValue(service.metrics, 'notifications_handed_total');
    if (handed) expect(handedOver).toBeGreaterThan(0);
    else expect(handedOver).toBe(0);

    // When every read model is rebuilt from the ledger by the lanes alone
    const connection = connectPostgres(service.database.url, { poolSize: 2 });
    try {
      const report = await replayReadModels(connection, { schemaPrefix: 'inline_check', keys: service.keys, databaseUrl: service.database.url });

      // Then not a row differs, notifications and webhook messages included
      expect(report.differences).toEqual([]);
      expect(report.events).toBeGreaterThan(events.length);
    } finally {
      await connection.close();
    }
  }, 120_000);
});
