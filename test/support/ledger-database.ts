import type { Kysely } from 'kysely';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { runMigrations } from '../../src/ledger/run-migrations.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { readModelMigrations } from '../../src/projections/migrations/read-model-migrations.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export interface LedgerDatabase {
  database: TestDatabase;
  connection: SqlConnection;
  store: PostgresEventStore;
  /** The read models, migrated. */
  db: Kysely<ReadModelDatabase>;
  close(): Promise<void>;
}

/** A database of the test file's own with the ledger and the read models, without the service around them. */
export async function openLedgerDatabase(options: { pollIntervalMs?: number } = {}): Promise<LedgerDatabase> {
  const database = await createTestDatabase();
  const connection = connectPostgres(database.url);
  const store = await PostgresEventStore.open(connection, options);
  await runMigrations(connection.readModels, 'read_model_migration', readModelMigrations);
  return {
    database,
    connection,
    store,
    db: connection.readModels as Kysely<ReadModelDatabase>,
    close: async () => {
      await connection.close();
      await database.drop();
    },
  };
}
