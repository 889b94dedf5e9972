import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPglite, connectPostgres } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase } from '../support/databases.ts';
import { describeSealedLedgerContract } from './sealed-ledger-contract.ts';

// The same sealing contract over each SQL adapter; KurrentDB runs it in its own contract file.
const keys = deriveLedgerKeys(Buffer.alloc(32, 7));

describeSealedLedgerContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const connection = connectPostgres(database.url, { applicationName: 'sealed-ledger-contract' });
  const keyStore = await PersonKeyStore.open(connection, keys, { databaseUrl: database.url });
  return {
    inner: await PostgresEventStore.open(connection),
    keyStore,
    close: async () => {
      await keyStore.close();
      await connection.close();
      await database.drop();
    },
  };
});

describeSealedLedgerContract('PGlite (embedded)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cnl-sealed-'));
  const connection = await connectPglite(dir);
  const keyStore = await PersonKeyStore.open(connection, keys, {});
  return {
    inner: await PostgresEventStore.open(connection),
    keyStore,
    close: async () => {
      await keyStore.close();
      await connection.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
