import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { sql as sqlTag } from 'kysely';
import { Registry } from 'prom-client';
import { INBOUND_RECEIVED, DUPLICATE_IGNORED } from '../../../src/domain/intake/inbound-receipt.ts';
import { streamName } from '../../../src/domain/stream-name.ts';
import { AmqpIntakeConsumer, type AmqpIntakeConsumerOptions } from '../../../src/intake/amqp-intake-consumer.ts';
import { AmqpPublisher } from '../../../src/intake/amqp-publisher.ts';
import { ledgerProbe, ledgerRecorder } from '../../../src/intake/ledger-recorder.ts';
import { declareTopology, resolveTopology, type IntakeTopology, type QueueType } from '../../../src/intake/topology.ts';
import { readStreamToArray } from '../../../src/ledger/event-store.ts';
import { PostgresEventStore } from '../../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../../src/ledger/sql-connection.ts';
import { createLogger, type Logger } from '../../../src/telemetry/logger.ts';
import { fixedClock, type FixedClock } from '../../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { TEST_AMQP_URL } from '../../support/env.ts';
import { deleteTopology } from '../../support/amqp-names.ts';

const run = promisify(execFile);

/** Exchange and queue names of one test file, unique so files can run side by side on one broker. */
export function uniqueTopology(tag: string, queueType: QueueType = 'quorum'): IntakeTopology {
  const suffix = `${tag}.${randomBytes(4).toString('hex')}`;
  return resolveTopology({
    exchange: `t.clinic.events.${suffix}`,
    queue: `t.notifications.${suffix}`,
    deadLetterExchange: `t.clinic.events.dlx.${suffix}`,
    deadLetterQueue: `t.notifications.dead.${suffix}`,
    queueType,
  });
}

/** Log lines written by the code under test, kept to check they carry ids and nothing personal. */
export class CapturedLog {
  readonly lines: string[] = [];
  readonly logger: Logger = createLogger({ level: 'debug', destination: { write: (line: string) => void this.lines.push(line) } });
}

export interface IntakeHarness {
  topology: IntakeTopology;
  clock: FixedClock;
  store: PostgresEventStore;
  sql: SqlConnection;
  databaseUrl: string;
  publisher: AmqpPublisher;
  admin: Channel;
  adminConnection: ChannelModel;
  log: CapturedLog;
  registry: Registry;
  connectionName: string;
  /** A consumer on this file's topology and ledger; stopped by `close()` if the test does not. */
  consumer(options?: Partial<AmqpIntakeConsumerOptions>): AmqpIntakeConsumer;
  receipts(eventId: string): Promise<{ received: number; duplicates: number }>;
  /**
   * Every row of this file's ledger, read from the table: `readAll` stops at the oldest transaction
   * running anywhere on the server, and other test files keep some running.
   */
  ledgerEvents(): Promise<{ type: string; data: unknown }[]>;
  /** Stops every consumer the harness made; after each test, so a failed one leaves none behind. */
  stopConsumers(): Promise<void>;
  /** Ready messages in the main queue (unacked ones are not counted). */
  readyCount(): Promise<number>;
  takeDeadLetters(): Promise<GetMessage[]>;
  close(): Promise<void>;
}

export async function openIntakeHarness(tag: string, options: { queueType?: QueueType } = {}): Promise<IntakeHarness> {
  const topology = uniqueTopology(tag, options.queueType);
  const database: TestDatabase = await createTestDatabase();
  const sql = connectPostgres(database.url, { poolSize: 24 });
  const store = await PostgresEventStore.open(sql);
  const clock = fixedClock();
  const log = new CapturedLog();
  const registry = new Registry();
  const connectionName = `intake-test:${tag}:${randomBytes(4).toString('hex')}`;
  const consumers: AmqpIntakeConsumer[] = [];

  const adminConnection: ChannelModel = await amqp.connect(TEST_AMQP_URL);
  adminConnection.on('error', () => undefined);
  const admin = await adminConnection.createChannel();
  admin.on('error', () => undefined);
  // Declared up front so what a test publishes before any consumer starts is not dropped unroutable.
  await declareTopology(admin, topology);
  const publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: topology.exchange, connectionName: `${connectionName}:publisher` });

  const harness: IntakeHarness = {
    topology,
    clock,
    store,
    sql,
    databaseUrl: database.url,
    publisher,
    admin,
    adminConnection,
    log,
    registry,
    connectionName,
    consumer(overrides = {}) {
      const consumer = new AmqpIntakeConsumer({
        url: TEST_AMQP_URL,
        topology,
        record: ledgerRecorder(store, { clock }),
        probeLedger: ledgerProbe(store),
        connectionName,
        logger: log.logger,
        registry,
        reconnectBackoff: { initialMs: 20, maxMs: 200 },
        ledgerBackoff: { initialMs: 20, maxMs: 200 },
        ...overrides,
      });
      consumers.push(consumer);
      return consumer;
    },
    async receipts(eventId) {
      const events = await readStreamToArray(store, streamName.inbound(eventId));
      return {
        received: events.filter((e) => e.type === INBOUND_RECEIVED).length,
        duplicates: events.filter((e) => e.type === DUPLICATE_IGNORED).length,
      };
    },
    async ledgerEvents() {
      const { rows } = await sqlTag<{ type: string; data: unknown }>`
        select event_type as type, data from ledger_events order by global_position
      `.execute(sql.db);
      return rows;
    },
    async stopConsumers() {
      for (const consumer of consumers.splice(0)) await consumer.stop();
    },
    async readyCount() {
      return (await admin.checkQueue(topology.queue)).messageCount;
    },
    async takeDeadLetters() {
      const taken: GetMessage[] = [];
      for (;;) {
        const message = await admin.get(topology.deadLetterQueue, { noAck: true });
        if (message === false) return taken;
        taken.push(message);
      }
    },
    async close() {
      for (const consumer of consumers) await consumer.stop();
      await publisher.close();
      await deleteTopology(admin, topology);
      await adminConnection.close().catch(() => undefined);
      await sql.close();
      await database.drop();
    },
  };
  return harness;
}

/**
 * Closes, from the broker's side, only the connections whose client named itself `connectionName`:
 * other test files share the broker, so never all of them. `close_connection` takes the connection's
 * Erlang pid, which only the plain (tab-separated) listing prints in a form it accepts back.
 */
export async function closeConnectionsNamed(connectionName: string): Promise<number> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const marker = `{"connection_name",${JSON.stringify(connectionName)}}`;
  const pids = stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0]!);
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, 'test: connection dropped on purpose']);
  return pids.length;
}

/** The current value of a counter or gauge (summed over labels) in the harness registry. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
