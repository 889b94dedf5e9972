import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPglite, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { describeEventStoreContract } from './event-store-contract.ts';

describeEventStoreContract('PGlite (embedded)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnl-pglite-'));
  let connection: SqlConnection = await connectPglite(dir);
  const store = await PostgresEventStore.open(connection);
  return {
    store,
    // One process owns a PGlite folder: a restart is closing it and opening it again.
    restart: async () => {
      await connection.close();
      connection = await connectPglite(dir);
      return PostgresEventStore.open(connection);
    },
    close: async () => {
      await connection.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
