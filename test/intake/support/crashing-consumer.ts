// A consumer process that dies (SIGKILL, no cleanup) right after its first durable append and
// before the ack: the crash window the intake must survive. Configured through the environment.
import { z } from 'zod';
import { AmqpIntakeConsumer } from '../../../src/intake/amqp-intake-consumer.ts';
import { ledgerRecorder } from '../../../src/intake/ledger-recorder.ts';
import { PostgresEventStore } from '../../../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../../../src/ledger/sql-connection.ts';
import { fixedClock } from '../../support/clock.ts';

const Topology = z.object({
  exchange: z.string(),
  queue: z.string(),
  deadLetterExchange: z.string(),
  deadLetterQueue: z.string(),
  queueType: z.enum(['classic', 'quorum']),
  deliveryLimit: z.int(),
});
const Env = z.object({
  DATABASE_URL: z.string(),
  AMQP_URL: z.string(),
  CONNECTION_NAME: z.string(),
  INTAKE_TOPOLOGY: z.string().transform((text) => Topology.parse(JSON.parse(text))),
});
const env = Env.parse(process.env);

const store = await PostgresEventStore.open(connectPostgres(env.DATABASE_URL, { poolSize: 2 }));
const record = ledgerRecorder(store, { clock: fixedClock() });
const consumer = new AmqpIntakeConsumer({
  url: env.AMQP_URL,
  topology: env.INTAKE_TOPOLOGY,
  connectionName: env.CONNECTION_NAME,
  record: async (envelope, via) => {
    await record(envelope, via);
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable: the process is gone');
  },
});
await consumer.start();
