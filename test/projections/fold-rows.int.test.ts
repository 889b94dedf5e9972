import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/ledger/event-store.ts';
import { applyFolded, type RowFold } from '../../src/projections/fold-rows.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// A read model keeping one row per stream folds a batch's events onto each row and writes the rows
// back. A row its batch starts (the stream's first event) is not read first; a batch applied again,
// after a crash or by a second instance at the same time, must still leave every row as once.

interface CountRow {
  id: string;
  total: number;
  revision: number;
}

let database: TestDatabase;
let db: Kysely<ReadModelDatabase>;
const statements: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = new Kysely<ReadModelDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 4 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query.sql);
    },
  });
  await sql`create table fold_counts (id text primary key, total int not null, revision int not null)`.execute(db);
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

beforeEach(async () => {
  await sql`truncate fold_counts`.execute(db);
  statements.length = 0;
});

const counts: RowFold<CountRow> = {
  rowOf: (event) => event.stream,
  creates: (event) => event.revision === 0n,
  // Each event adds its amount once: at or below the row's revision it changes nothing.
  fold: (row, id, event) => {
    const revision = Number(event.revision);
    const amount = (event.data as { amount: number }).amount;
    if (!row) return revision === 0 ? { id, total: amount, revision } : null;
    return revision <= row.revision ? row : { id, total: row.total + amount, revision };
  },
  lock: async (trx, ids) => {
    const { rows } = await sql<CountRow>`select * from fold_counts where id = any(${[...ids]}::text[]) order by id for update`.execute(trx);
    return new Map(rows.map((row) => [row.id, row]));
  },
  insert: async (trx, rows) => {
    const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1));
    const { rows: inserted } = await sql<{ id: string }>`
      insert into fold_counts (id, total, revision)
      select * from unnest(${sorted.map((r) => r.id)}::text[], ${sorted.map((r) => r.total)}::int[], ${sorted.map((r) => r.revision)}::int[])
      on conflict (id) do nothing returning id`.execute(trx);
    return new Set(inserted.map((row) => row.id));
  },
  update: async (trx, rows) => {
    for (const row of rows) await sql`update fold_counts set total = ${row.total}, revision = ${row.revision} where id = ${row.id}`.execute(trx);
  },
};

let position = 0n;
const event = (stream: string, revision: number, amount: number): RecordedEvent => ({
  id: randomUUID(),
  stream,
  revision: BigInt(revision),
  position: { commit: ++position, prepare: position },
  type: 'Counted',
  data: { amount },
  metadata: {},
  recordedAt: new Date(),
});

const apply = (events: RecordedEvent[], on: Kysely<ReadModelDatabase> = db) =>
  on.transaction().execute((trx: Transaction<ReadModelDatabase>) => applyFolded(trx, events, counts));

const table = async () => (await sql<CountRow>`select * from fold_counts order by id`.execute(db)).rows;
const reads = () => statements.filter((text) => text.startsWith('select * from fold_counts where id = any'));

describe('folding a batch onto rows', () => {
  it('reads no row for a batch of new streams, and writes each once', async () => {
    await apply([event('a', 0, 1), event('b', 0, 2), event('a', 1, 10)]);
    expect(reads()).toEqual([]);
    expect(await table()).toEqual([{ id: 'a', total: 11, revision: 1 }, { id: 'b', total: 2, revision: 0 }]);
  });

  it('reads the rows already there only, beside the new ones', async () => {
    await apply([event('a', 0, 1)]);
    statements.length = 0;
    await apply([event('a', 1, 5), event('c', 0, 3)]);
    expect(reads()).toHaveLength(1);
    expect(await table()).toEqual([{ id: 'a', total: 6, revision: 1 }, { id: 'c', total: 3, revision: 0 }]);
  });

  it('leaves every row as once when the same batch is applied again, as after a crash', async () => {
    const batch = [event('a', 0, 1), event('a', 1, 10), event('b', 0, 2)];
    await apply(batch);
    await apply(batch);
    // A batch that began the rows and went on past the first run of it: folded onto them as they stand.
    await apply([...batch, event('b', 1, 100)]);
    expect(await table()).toEqual([{ id: 'a', total: 11, revision: 1 }, { id: 'b', total: 102, revision: 1 }]);
  });

  it('leaves every row as once when two instances apply the same new batch at the same time', async () => {
    const batch = [event('x', 0, 1), event('y', 0, 2), event('x', 1, 10), event('y', 1, 20)];
    await Promise.all([apply(batch), apply(batch), apply(batch)]);
    expect(await table()).toEqual([{ id: 'x', total: 11, revision: 1 }, { id: 'y', total: 22, revision: 1 }]);
  });
});
