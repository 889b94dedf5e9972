import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import type { RecordedEvent } from '../../src/ledger/event-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { LogLines } from '../support/log-lines.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { until } from '../support/until.ts';

// The ledger's readers see only what no running transaction can still precede, and the horizon is
// the server's: a write left open in any database holds every lane back, so nothing is planned or
// sent meanwhile. The operator is told who holds it, and when it is over.

let ledgerDatabase: TestDatabase;
let otherDatabase: TestDatabase;
let connection: SqlConnection;
const stopping = new AbortController();

beforeAll(async () => {
  ledgerDatabase = await createTestDatabase();
  otherDatabase = await createTestDatabase();
  connection = connectPostgres(ledgerDatabase.url);
});

afterAll(async () => {
  stopping.abort();
  await connection?.close();
  await ledgerDatabase?.drop();
  await otherDatabase?.drop();
});

interface Line {
  level: number;
  msg: string;
  heldForMs: number;
  transaction: string;
  holder: { pid: number; database: string; state: string } | null;
}
const linesOf = (log: LogLines) => log.lines.map((line) => JSON.parse(line) as Line);
const HELD = 'ledger readers held back';
const OVER = 'ledger readers no longer held back';

it('tells who holds the readers back, in another database, and when it is over; the event then arrives', async () => {
  // Given a subscriber at the ledger's end, and a store that tells after 200 ms
  const log = new LogLines();
  const store = await PostgresEventStore.open(connection, { logger: log.logger, heldBackWarnMs: 200 });
  const seen: RecordedEvent[] = [];
  void (async () => {
    for await (const event of store.subscribeToAll(await lastCommitted(connection.db), stopping.signal)) seen.push(event);
  })();

  // When a transaction in another database on the server writes and stays open
  const blocker = new pg.Client({ connectionString: otherDatabase.url, application_name: 'report-export' });
  await blocker.connect();
  let warning: Line;
  try {
    await blocker.query('begin');
    await blocker.query('select pg_current_xact_id()');
    const { rows } = await blocker.query<{ pid: number }>('select pg_backend_pid() as pid');
    const pid = rows[0]!.pid;
    // and an event is appended after it began
    const appended = await store.append(streamName.reminder(randomUUID()), [{ id: randomUUID(), type: 'Counted', data: { n: 1 }, metadata: {} }], 'any');
    expect(appended.ok).toBe(true);

    // Then the operator is told who holds the readers back: that transaction, in the other database
    // (other test files' transactions on the server may hold them back a moment too, and be told)
    warning = await until(() => linesOf(log).find((l) => l.msg.startsWith(HELD) && l.holder?.pid === pid) ?? null, { what: 'the warning naming the open transaction' });
    expect(warning).toMatchObject({ level: 40, holder: { pid, database: otherDatabase.name, state: 'idle in transaction' } });
    expect(warning.heldForMs).toBeGreaterThanOrEqual(200);
    // and the event waits behind it
    expect(seen).toHaveLength(0);
  } finally {
    // When it ends
    await blocker.query('commit').catch(() => undefined);
    await blocker.end();
  }

  // Then the event arrives, and the operator is told that hold is over
  await until(() => (seen.length === 1 ? seen : null), { what: 'the event once the transaction ended' });
  const over = await until(() => linesOf(log).find((l) => l.msg === OVER && l.transaction === warning.transaction) ?? null, { what: 'the all-clear' });
  expect(over.level).toBe(30);
  expect(over.heldForMs).toBeGreaterThanOrEqual(warning.heldForMs);
  // and each hold was told once, however often the readers looked meanwhile (every few milliseconds)
  const told = linesOf(log).filter((l) => l.msg.startsWith(HELD)).map((l) => l.transaction);
  expect(new Set(told).size).toBe(told.length);
});
