import amqp from 'amqplib';
import pg from 'pg';
import { TEST_AMQP_URL, TEST_DATABASE_URL } from './env.ts';

// Tests need the real PostgreSQL and RabbitMQ on this machine. Missing either is a failure, never a skip.
export default async function setup(): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${TEST_DATABASE_URL}: ${(error as Error).message}. Start it (see README).`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  try {
    const connection = await amqp.connect(TEST_AMQP_URL);
    await connection.close();
  } catch (error) {
    throw new Error(`RabbitMQ is not reachable at ${TEST_AMQP_URL}: ${(error as Error).message}. Start it (see README).`, { cause: error });
  }
  return async () => {
    await dropLeftoverDatabases();
  };
}

/** Databases of test files that crashed before dropping their own, older than an hour. */
async function dropLeftoverDatabases(): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like 'cnl\\_t\\_%' and datname < $1`,
      [`cnl_t_${Date.now() - 3_600_000}`],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists "${datname}" with (force)`);
  } finally {
    await admin.end();
  }
}
