// A consumer process run the way a service runs it: until SIGTERM or SIGINT, then a graceful stop.
// Logs go to stdout as JSON lines, so the test can see when it runs and when it stopped.
import { z } from 'zod';
import { AmqpIntakeConsumer } from '../../../src/intake/amqp-intake-consumer.ts';
import { runUntilSignalled } from '../../../src/intake/intake-runner.ts';
import { ledgerProbe, ledgerRecorder } from '../../../src/intake/ledger-recorder.ts';
import { PostgresEventStore } from '../../../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../../../src/ledger/sql-connection.ts';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { fixedClock } from '../../support/clock.ts';

const Env = z.object({ DATABASE_URL: z.string(), AMQP_URL: z.string(), CONNECTION_NAME: z.string(), INTAKE_TOPOLOGY: z.string() });
const env = Env.parse(process.env);
const topology = z
  .object({ exchange: z.string(), queue: z.string(), deadLetterExchange: z.string(), deadLetterQueue: z.string(), queueType: z.enum(['classic', 'quorum']) })
  .parse(JSON.parse(env.INTAKE_TOPOLOGY));

const logger = createLogger({ level: 'info' });
const sql = connectPostgres(env.DATABASE_URL, { poolSize: 4 });
const store = await PostgresEventStore.open(sql);
const consumer = new AmqpIntakeConsumer({
  url: env.AMQP_URL,
  topology,
  connectionName: env.CONNECTION_NAME,
  record: ledgerRecorder(store, { clock: fixedClock() }),
  probeLedger: ledgerProbe(store),
  logger,
});
await runUntilSignalled(consumer, { logger, afterStop: () => sql.close() });
