import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { createWebhookEndpoint } from '../../src/commands/webhooks/webhook-endpoint-commands.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { systemClock } from '../../src/service.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn, UPSTREAM_TYPES, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { metricValue } from '../intake/support/intake-harness.ts';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';

// Slots ahead of the machine's clock, which this file's service runs on.
const { validEnvelope } = envelopesOn(realClock);

describe.each([
  { path: 'with the plans', inline: true },
  { path: 'by the read-model lane alone', inline: false },
])('notification rows written $path', ({ inline }) => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService({ dispatcher: { pollIntervalMs: 50 }, ...(inline ? {} : { inlineDeliveries: false as const }) });
    // A webhook endpoint hears every status change: the outbox reads each notification's status
    // before each event, which a row written with its plan must not hide from it.
    const deps = { store: service.store, clock: systemClock, keys: service.keys, checkTarget: async () => null };
    const created = await createWebhookEndpoint(deps, { url: 'https://his.clinic.example/hooks', eventKinds: ['notification.status_changed', 'notification.failed'] }, 'alice-admin');
    if (!created.ok) throw new Error(`endpoint refused: ${JSON.stringify(created.error)}`);
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
  });

  const sentFor = (raw: RawEnvelope) => async () => {
    const rows = await service.db.selectFrom('notifications').select(['notification_id', 'status']).where('event_id', '=', raw.eventId).execute();
    return rows.length > 0 && rows.every((r) => r.status === 'sent') ? rows : null;
  };

  it.runIf(inline)('sends a plan while the read-model lane is held: its rows were written in the plan\'s own transaction', async () => {
    // Given a quiet service, every checkpoint saved at the ledger's head
    const warm = validEnvelope('appointment.confirmed');
    await recordAndProject(service, warm);
    await until(sentFor(warm), { what: 'the first booking sent' });
    await until(async () => {
      const head = await lastCommitted(service.db);
      const rows = await service.db.selectFrom('projection_checkpoints').select(['commit_position', 'prepare_position']).execute();
      return head !== null && rows.length > 0 && rows.every((r) => `${r.commit_position}/${r.prepare_position}` === `${head.commit}/${head.prepare}`);
    }, { what: 'every checkpoint saved at the head' });

    // and the read-model lane held: no checkpoint can be saved (a table lock takes no transaction id,
    // so the ledger's readers are not held behind it)
    const holder = new pg.Client({ connectionString: service.database.url });
    await holder.connect();
    const raw = validEnvelope('appointment.confirmed');
    try {
      await holder.query('begin');
      await holder.query('lock table projection_checkpoints in share mode');
      const before = await lanePosition(service);

      // When a booking is confirmed
      await service.intake.record(parseOrThrow(raw), 'http');

      // Then its messages go out on both channels while the lane has not moved
      const ids = await until(async () => {
        const rows = await service.db.selectFrom('notifications').select('notification_id').where('event_id', '=', raw.eventId).execute();
        return rows.length === 2 && sandboxSends(rows.map((r) => r.notification_id)).length === 2 ? rows : null;
      }, { what: 'both messages sent with the lane held' });
      expect(ids).toHaveLength(2);
      expect(await lanePosition(service)).toEqual(before);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }

    // And once the lane moves on, each row reads sent, and nothing was sent twice
    const sent = await until(sentFor(raw), { what: 'the rows to read sent' });
    expect(sent).toHaveLength(2);
    expect(sandboxSends(sent.map((r) => r.notification_id))).toHaveLength(2);
    expect(await metricValue(service.metrics, 'deliveries_applied_with_append_total')).toBeGreaterThanOrEqual(4);
  }, 60_000);

  const sandboxSends = (notificationIds: readonly string[]) =>
    (['whatsapp', 'email'] as const).flatMap((c) => (service.transports[c] as SandboxTransport).sent.filter((m) => notificationIds.includes(m.notificationId)));

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

    // When every read model is rebuilt from the ledger by the lanes alone
    const connection = connectPostgres(service.database.url, { poolSize: 2 });
    try {
      const report = await replayReadModels(connection, { schemaPrefix: 'inline_check', keys: service.keys, databaseUrl: service.database.url });

      // Then not a row differs, notifications and webhook messages included
      expect(JSON.stringify(report.differences).slice(0, 3000)).toEqual('[]');
      expect(report.events).toBeGreaterThan(events.length);
    } finally {
      await connection.close();
    }
  }, 120_000);
});

async function lanePosition(service: TestService): Promise<string | undefined> {
  const row = await service.db.selectFrom('projection_checkpoints').select(['commit_position', 'prepare_position']).where('projection', '=', 'deliveries').executeTakeFirst();
  return row ? `${row.commit_position}/${row.prepare_position}` : undefined;
}

function parseOrThrow(raw: RawEnvelope) {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error(`fixture ${raw.type} is invalid`);
  return parsed.value;
}
