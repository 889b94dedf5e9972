import { afterAll } from 'vitest';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase } from '../support/databases.ts';
import { describeEventStoreContract } from './event-store-contract.ts';

const connections: SqlConnection[] = [];
let dropDatabase: () => Promise<void> = async () => undefined;
afterAll(async () => {
  for (const c of connections) await c.close();
  await dropDatabase();
});

describeEventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  dropDatabase = database.drop;
  const open = async () => {
    const connection = connectPostgres(database.url, { poolSize: 24 });
    connections.push(connection);
    return PostgresEventStore.open(connection);
  };
  return { store: await open(), restart: open, close: async () => undefined };
});
