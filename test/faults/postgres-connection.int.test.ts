import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, type PostgresClientRole, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

let database: TestDatabase;
let proxy: TcpProxy;
let connection: SqlConnection;
const reported: { role: PostgresClientRole; message: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const url = new URL(database.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  connection = connectPostgres(proxy.url(database.url), {
    poolSize: 3,
    readModelPoolSize: 3,
    timeouts: { connectMs: 500, queryMs: 500 },
    onConnectionError: (error, role) => reported.push({ role, message: error.message }),
  });
});
afterAll(async () => {
  proxy?.reopen();
  await connection?.close();
  await proxy?.close();
  await database?.drop();
});

const selectOne = (db: Kysely<unknown>) => sql`select 1`.execute(db);

describe('a PostgreSQL connection that fails under the service', () => {
  it('fails the transaction holding a connection that is reset, and reports it, without an unhandled error', async () => {
    // Given a transaction holding a checked-out connection (where pg's pool does not listen)
    let reachedCut!: () => void;
    const cutDone = new Promise<void>((resolve) => (reachedCut = resolve));
    const transaction = connection.db.transaction().execute(async (trx) => {
      await selectOne(trx);
      reachedCut();
      // When the connection is reset under it
      await new Promise<void>((resolve) => setImmediate(resolve));
      proxy.cut();
      await sql`select pg_sleep(0.2)`.execute(trx);
    });

    // Then the transaction fails as a call, the error is reported, and nothing reaches the process
    await cutDone;
    await expect(transaction).rejects.toThrow();
    expect(reported.some((r) => r.role === 'ledger')).toBe(true);
    proxy.reopen();
    await selectOne(connection.db);
  });

  it('drops a connection whose query got no answer, so every later call is answered', async () => {
    // Given both pools with connections open
    await Promise.all([selectOne(connection.db), selectOne(connection.readModels)]);

    // When PostgreSQL falls silent, a query times out instead of waiting for ever
    proxy.silence();
    await expect(selectOne(connection.readModels)).rejects.toThrow(/Query read timeout/);
    await expect(selectOne(connection.db)).rejects.toThrow(/Query read timeout/);

    // Then, with new connections answered again and the silent ones silent for good (a failover),
    // calls in a row all succeed: the silent connection is not lent again
    proxy.reopen();
    for (const db of [connection.readModels, connection.db]) {
      for (let i = 0; i < 5; i++) await selectOne(db);
    }
    await connection.run({ name: 'fault_select_one', text: 'select 1 as one', values: [] });
  });
});
