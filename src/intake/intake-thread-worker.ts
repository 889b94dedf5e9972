import { parentPort, workerData } from 'node:worker_threads';
import { Registry } from 'prom-client';
import { deadLetterRecorder } from '../commands/inbound/record-dead-letter.ts';
import type { Clock } from '../domain/clock.ts';
import { deriveLedgerKeys } from '../domain/keys/ledger-keys.ts';
import type { EventStore } from '../ledger/event-store.ts';
import { PersonKeyStore } from '../ledger/person-key-store.ts';
import { PostgresEventStore } from '../ledger/postgres-event-store.ts';
import { ProtectedEventStore } from '../ledger/protected-event-store.ts';
import { connectPostgres } from '../ledger/sql-connection.ts';
import { createLogger } from '../telemetry/logger.ts';
import { AmqpIntakeConsumer } from './amqp-intake-consumer.ts';
import { errorSummary } from './intake-log-fields.ts';
import { ledgerProbe, ledgerRecorder } from './ledger-recorder.ts';
import type { IntakeThreadData, ToIntakeThread, FromIntakeThread } from './intake-thread.ts';

// The AMQP intake on a thread of its own (see intake-thread.ts): its own connection to PostgreSQL,
// its own key store and its own consumer, like another instance of the service that only records.

const port = parentPort!;
const data = workerData as IntakeThreadData;
const clock: Clock = { now: () => new Date() };
const post = (message: FromIntakeThread) => port.postMessage(message);
// Each line goes to the service's logger (intake-thread.ts), redacted here as there.
const logger = createLogger({ level: data.logLevel, destination: { write: (line: string) => post({ kind: 'log', line }) } }).child({ thread: 'intake' });

const connection = connectPostgres(data.databaseUrl, {
  // The consumer records at most `prefetch` messages at once; dead letters and probes take one more.
  poolSize: data.prefetch + 2,
  readModelPoolSize: 1,
  applicationName: 'clinic-notification-ledger:intake',
  timeouts: data.timeouts,
  onConnectionError: (error, role) => logger.warn({ role, error: errorSummary(error) }, 'PostgreSQL connection lost; its call fails and is retried'),
});
const keys = deriveLedgerKeys(Buffer.from(data.masterKey, 'base64'));
let personKeys: PersonKeyStore | null = null;
let store: EventStore | null = null;
let consumer: AmqpIntakeConsumer | null = null;
const registry = new Registry();

async function start(): Promise<void> {
  const ledger = await PostgresEventStore.open(connection);
  personKeys = data.sealed ? await PersonKeyStore.open(connection, keys, { databaseUrl: data.databaseUrl, timeouts: data.timeouts, clock }) : null;
  // The intake reads one stream at a time (a repeat's receipts): no bulk opening to hand off.
  store = personKeys ? new ProtectedEventStore(ledger, personKeys, keys, { openingThread: false }) : ledger;
  consumer = new AmqpIntakeConsumer({
    url: data.amqpUrl,
    record: ledgerRecorder(store, { clock, windowMs: data.dedupWindowMs, hashKey: keys.payloadHash }),
    topology: data.topology,
    prefetch: data.prefetch,
    connectionName: data.connectionName,
    logger,
    registry,
    probeLedger: ledgerProbe(store),
    recordDeadLetter: deadLetterRecorder(store, clock),
    recordTimeoutMs: data.recordTimeoutMs,
    ledgerBackoff: { maxMs: data.ledgerBackoffMaxMs },
  });
  await consumer.start();
}

async function stop(): Promise<void> {
  await consumer?.stop();
  await store?.close();
  await personKeys?.close();
  await connection.close();
}

port.on('message', (message: ToIntakeThread) => {
  switch (message.kind) {
    case 'metrics':
      void registry.getMetricsAsJSON().then((metrics) => post({ kind: 'metrics', id: message.id, metrics }));
      return;
    case 'stop':
      void stop().then(
        () => post({ kind: 'stopped' }),
        (error: unknown) => post({ kind: 'stopped', error: String(error) }),
      );
      return;
  }
});

start().then(
  () => post({ kind: 'started' }),
  (error: unknown) => {
    // Whatever opened is closed before the thread says so: the service decides what follows.
    void stop().catch(() => undefined).finally(() => post({ kind: 'failed', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  },
);
