import { expect } from 'vitest';
import pg from 'pg';
import type { SandboxTransport } from '../../../src/channels/sandbox-transport.ts';
import { AmqpPublisher } from '../../../src/intake/amqp-publisher.ts';
import { deleteAmqpNames, uniqueAmqpNames } from '../../support/amqp-names.ts';
import { createTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { LogLines } from '../../support/log-lines.ts';
import { TEST_AMQP_URL } from '../../support/env.ts';
import { realClock } from '../../support/clock.ts';
import { type RawEnvelope, type UpstreamEventType, envelopesOn } from '../../support/envelopes.ts';
import { startTestService, type TestService } from '../../support/service.ts';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.ts';
import { until } from '../../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

/**
 * Every timeout the fault tests rely on, short so an outage is felt and left within seconds: the
 * production defaults (10 s to connect, 30 s per query, 60 s per intake record, a 30 s backoff cap,
 * a 60 s send lease) would each outlast a test.
 */
export const FAULT_TIMEOUTS = {
  PG_CONNECT_TIMEOUT_MS: '1000',
  PG_QUERY_TIMEOUT_MS: '2000',
  INTAKE_RECORD_TIMEOUT_MS: '3000',
  // The bound: once PostgreSQL is back, the intake looks again within 2 s.
  INTAKE_LEDGER_BACKOFF_MAX_MS: '2000',
  // The lease on a claimed send: a send interrupted by the outage is claimed again after it.
  DISPATCH_ATTEMPT_TIMEOUT_MS: '2000',
  WHATSAPP_PER_SECOND: '1000',
} as const;

/** Types that each notify the fixture patient, over WhatsApp alone or WhatsApp and email. */
const NOTIFYING: UpstreamEventType[] = [
  'appointment.confirmed',
  'appointment.pending_approval',
  'walkin.token_called',
  'clinical.prescription_ready',
  'clinical.report_ready',
];

export const notifyingEvents = (count: number): RawEnvelope[] =>
  Array.from({ length: count }, (_, i) => validEnvelope(NOTIFYING[i % NOTIFYING.length]!));


export interface FaultHarness {
  service: TestService;
  /** Between the service and PostgreSQL, or null when the service reaches it directly. */
  pgProxy: TcpProxy | null;
  /** Between the service and RabbitMQ, or null when the service reaches it directly. */
  amqpProxy: TcpProxy | null;
  log: LogLines;
  /** Straight to RabbitMQ, never through a proxy: publishing is not what fails. */
  publish(envelopes: RawEnvelope[]): Promise<void>;
  recorded(): Promise<number>;
  /** Every event recorded exactly once, and every notification it planned sent exactly once. */
  untilEachRecordedAndSentOnce(envelopes: RawEnvelope[], timeoutMs: number): Promise<{ notifications: number; possibleDuplicates: number }>;
  close(): Promise<void>;
}

export async function openFaultHarness(
  tag: string,
  through: { postgres?: boolean; rabbitmq?: boolean },
  options: { intakeThread?: boolean } = {},
): Promise<FaultHarness> {
  const database: TestDatabase = await createTestDatabase();
  // Reads for the checks go straight to the database, so they work while the service's link is down.
  const direct = new pg.Pool({ connectionString: database.url, max: 2 });
  direct.on('error', () => undefined);
  const pgProxy = through.postgres ? await startTcpProxy(hostAndPort(database.url, 5432)) : null;
  const amqpProxy = through.rabbitmq ? await startTcpProxy(hostAndPort(TEST_AMQP_URL, 5672)) : null;
  const names = uniqueAmqpNames(tag);
  const log = new LogLines();
  const service = await startTestService({
    database,
    logger: log.logger,
    env: {
      DATABASE_URL: pgProxy ? pgProxy.url(database.url) : database.url,
      AMQP_URL: amqpProxy ? amqpProxy.url(TEST_AMQP_URL) : TEST_AMQP_URL,
      ...names,
      ...FAULT_TIMEOUTS,
      ...(options.intakeThread ? { INTAKE_THREAD: 'true' } : {}),
    },
    dispatcher: { pollIntervalMs: 50, limits: { email: { perSecond: 1000 } } },
  });
  const publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: `faults:${tag}:publisher` });

  const metric = async (name: string) => {
    const found = service.metrics.getSingleMetric(name);
    return found ? (await found.get()).values.reduce((sum, v) => sum + v.value, 0) : 0;
  };
  const sendsByNotification = () => {
    const sends = new Map<string, number>();
    for (const channel of service.sandboxed) {
      for (const message of (service.transports[channel] as SandboxTransport).sent) sends.set(message.notificationId, (sends.get(message.notificationId) ?? 0) + 1);
    }
    return sends;
  };

  return {
    service,
    pgProxy,
    amqpProxy,
    log,
    async publish(envelopes) {
      expect(await publisher.publishEnvelopes(envelopes)).toMatchObject({ confirmed: envelopes.length, unroutable: 0 });
    },
    recorded: () => metric('intake_events_recorded_total'),
    async untilEachRecordedAndSentOnce(envelopes, timeoutMs) {
      const eventIds = envelopes.map((e) => e.eventId);
      const receipts = await until(async () => {
        const { rows } = await direct.query<{ event_id: string; receipts: number }>(
          `select data->>'eventId' as event_id, count(*)::int as receipts
             from ledger_events where event_type = 'InboundEventReceived' and data->>'eventId' = any($1)
            group by 1`,
          [eventIds],
        );
        return rows.length === eventIds.length ? rows : null;
      }, { what: `all ${eventIds.length} events recorded`, timeoutMs });
      expect(receipts.filter((r) => r.receipts !== 1)).toEqual([]);

      const rows = await until(async () => {
        const { rows: found } = await direct.query<{ notification_id: string; event_id: string; status: string; possible_duplicate: boolean }>(
          'select notification_id, event_id, status, possible_duplicate from notifications where event_id = any($1)',
          [eventIds],
        );
        const planned = new Set(found.map((r) => r.event_id));
        return planned.size === eventIds.length && found.every((r) => r.status === 'sent') ? found : null;
      }, { what: 'every notification planned and sent', timeoutMs });
      const sends = sendsByNotification();
      // Sent once, or more than once only where the ledger says an attempt may have gone out already.
      const wrong = rows.filter((r) => (sends.get(r.notification_id) ?? 0) !== 1 && !(r.possible_duplicate && (sends.get(r.notification_id) ?? 0) > 1));
      expect(wrong.map((r) => ({ ...r, sends: sends.get(r.notification_id) ?? 0 }))).toEqual([]);
      // Nothing was sent that the read model does not know of (earlier tests' sends included).
      const { rows: known } = await direct.query<{ notification_id: string }>('select notification_id from notifications');
      const knownIds = new Set(known.map((r) => r.notification_id));
      expect([...sends.keys()].filter((id) => !knownIds.has(id))).toEqual([]);
      return { notifications: rows.length, possibleDuplicates: rows.filter((r) => r.possible_duplicate).length };
    },
    async close() {
      await publisher.close().catch(() => undefined);
      pgProxy?.reopen();
      amqpProxy?.reopen();
      await service.stop();
      await pgProxy?.close();
      await amqpProxy?.close();
      await direct.end();
      await database.drop();
      await deleteAmqpNames(names);
    },
  };
}

function hostAndPort(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}
