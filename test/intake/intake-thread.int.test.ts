import amqp from 'amqplib';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntakeThread } from '../../src/intake/intake-thread.ts';
import { AmqpPublisher } from '../../src/intake/amqp-publisher.ts';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp-names.ts';
import { DEFAULT_POSTGRES_TIMEOUTS } from '../../src/ledger/sql-connection.ts';
import { TEST_AMQP_URL, TEST_MASTER_KEY } from '../support/env.ts';
import { realClock } from '../support/clock.ts';
import { envelopesOn, patient } from '../support/envelopes.ts';
import { publishAndWait } from '../support/publish.ts';
import { INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { LogLines } from '../support/log-lines.ts';
import { tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';

// On a PostgreSQL server the AMQP intake runs on a thread of its own: what it records must be what
// the intake in the service's thread records, heard by the same lanes, counted in the same metrics
// and logged through the same logger.
const { validEnvelope } = envelopesOn(realClock);

const names = uniqueAmqpNames('thread');
const log = new LogLines();
let database: TestDatabase;
// Straight to the database: the checks after the service stopped read it too.
let direct: pg.Pool;
let service: TestService;
let stopped: Promise<void> | null = null;
let publisher: AmqpPublisher;

beforeAll(async () => {
  database = await createTestDatabase();
  direct = new pg.Pool({ connectionString: database.url, max: 2 });
  service = await startTestService({ database, logger: log.logger, env: { AMQP_URL: TEST_AMQP_URL, INTAKE_THREAD: 'true', ...names }, dispatcher: { pollIntervalMs: 20 } });
  publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'intake-thread:publisher' });
}, 60_000);
afterAll(async () => {
  await publisher?.close();
  await (stopped ??= service?.stop());
  await direct?.end();
  await database?.drop();
  await deleteAmqpNames(names);
});

const receipts = async (eventId: string) =>
  (await direct.query<{ n: number }>(`select count(*)::int as n from ledger_events where event_type = 'InboundEventReceived' and stream_name = $1`, [`inbound-${eventId}`])).rows[0]!.n;
const metric = async (name: string, labels: Record<string, string> = {}) =>
  ((await service.metrics.getSingleMetric(name)?.get())?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);

describe('the AMQP intake on a thread of its own', () => {
  it('records each event once, seals its personal data, and the lanes plan and send it', async () => {
    const recordedBefore = await metric('intake_events_recorded_total');
    const events = Array.from({ length: 20 }, () => validEnvelope('appointment.confirmed'));
    await publishAndWait(publisher, events, async (eventId) => (await receipts(eventId)) === 1, { timeoutMs: 20_000 });
    // The service's own lanes heard the thread's appends: each booking reached its patient on both channels.
    await until(async () => {
      const sent = await service.db.selectFrom('notifications').select('notification_id')
        .where('event_id', 'in', events.map((e) => e.eventId)).where('status', '=', 'sent').execute();
      return sent.length === events.length * 2;
    }, { what: 'every booking sent on WhatsApp and email', timeoutMs: 20_000 });
    expect(await metric('intake_events_recorded_total')).toBe(recordedBefore + 20);
    // The thread seals at the append as the service does: nothing of the patient in clear anywhere.
    for (const value of [patient.phone, patient.email, patient.name]) expect(await tablesContaining(service.db, value)).toEqual([]);
  });

  it('ignores a repeat, whether it comes back over AMQP or through the HTTP intake in the service thread', async () => {
    const event = validEnvelope('clinical.report_ready');
    await publishAndWait(publisher, [event], async (eventId) => (await receipts(eventId)) === 1);
    const duplicatesBefore = await metric('intake_duplicates_total', { payload_matches: 'true' });
    await publishAndWait(publisher, [event], async () => (await metric('intake_duplicates_total', { payload_matches: 'true' })) === duplicatesBefore + 1, { what: 'the repeat counted' });
    const answer = await fetch(new URL('/events', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
      body: JSON.stringify(event),
    });
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ outcome: 'duplicate' });
    expect(await receipts(event.eventId)).toBe(1);
    // The thread's line about the repeat came out through the service's logger.
    expect(log.count(/"thread":"intake".*"duplicate event ignored"/)).toBe(1);
  });

  it("serves the thread's counts at /metrics, and nothing of the patient in the log", async () => {
    const text = await (await fetch(new URL('/metrics', service.url))).text();
    expect(Number(/^intake_events_recorded_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(21);
    expect(text).toMatch(/^intake_messages_in_flight \d+/m);
    // Nothing of the patient in what the service and its intake thread logged.
    expect(log.lines.join('\n')).not.toContain(patient.phone);
  });

  it('stops with the service: nothing left unacked, nobody consuming', async () => {
    const events = Array.from({ length: 30 }, () => validEnvelope('walkin.token_called'));
    expect(await publisher.publishEnvelopes(events)).toMatchObject({ confirmed: 30, unroutable: 0 });
    await (stopped ??= service.stop());
    const connection = await amqp.connect(TEST_AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const queue = await channel.checkQueue(names.AMQP_QUEUE!);
      expect(queue.consumerCount).toBe(0);
      // Whatever the thread recorded it acked; the rest waits in the queue, none of it lost.
      const recorded = (await Promise.all(events.map((e) => receipts(e.eventId)))).filter((n) => n === 1).length;
      expect(recorded + queue.messageCount).toBe(30);
    } finally {
      await connection.close();
    }
  });
});

describe('a thread that ends by itself', () => {
  it('is started again, and not once it has been stopped', async () => {
    const lines = new LogLines();
    const database = await createTestDatabase();
    const own = uniqueAmqpNames('thread-ends');
    try {
      const thread = await IntakeThread.start({
        amqpUrl: TEST_AMQP_URL,
        databaseUrl: database.url,
        timeouts: DEFAULT_POSTGRES_TIMEOUTS,
        masterKey: TEST_MASTER_KEY,
        sealed: true,
        topology: { exchange: own.AMQP_EXCHANGE!, queue: own.AMQP_QUEUE!, deadLetterExchange: own.AMQP_DEAD_LETTER_EXCHANGE!, deadLetterQueue: own.AMQP_DEAD_LETTER_QUEUE! },
        prefetch: 10,
        dedupWindowMs: 60_000,
        recordTimeoutMs: 5_000,
        ledgerBackoffMaxMs: 1_000,
        connectionName: 'intake-thread:ends',
      }, { logger: lines.logger, registry: new Registry(), entry: new URL('./support/intake-thread-that-ends.ts', import.meta.url) });
      await until(() => lines.count(/ended by itself; starting it again/) >= 2, { what: 'two restarts', timeoutMs: 15_000 });
      await thread.stop();
      const after = lines.count(/ended by itself/);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(lines.count(/ended by itself/)).toBe(after);
    } finally {
      await deleteAmqpNames(own).catch(() => undefined);
      await database.drop();
    }
  }, 30_000);
});
