import { sql, type Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { countEventsUpTo, WrongExpectedRevision, type EventStore } from '../ledger/event-store.ts';
import { runMigrations } from '../ledger/run-migrations.ts';
import type { Logger } from '../telemetry/logger.ts';
import { readModelMigrations } from './migrations/read-model-migrations.ts';
import { ProjectionRunner, type Projection } from './projection-runner.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

/** Columns that belong to the work in progress, not to what the ledger says: never compared. */
const OPERATIONAL_COLUMNS = new Set(['locked_by', 'locked_until', 'claimed_by', 'claimed_until', 'lease_until', 'updated_at_wall']);
/** Tables of bookkeeping rather than state. */
const SKIPPED_TABLES = new Set(['projection_checkpoints', 'read_model_migration', 'read_model_migration_lock', 'read_models_written_in_clear']);

/**
 * A ledger that takes no appends: a replay rebuilds state, it never decides anything new, never
 * sends. Reactions see every append as already made.
 */
export function readOnlyLedger(store: EventStore): EventStore {
  return {
    append: async (stream, _events, expected) => ({ ok: false, error: new WrongExpectedRevision(stream, expected, -1n) }),
    readStream: (stream, from) => store.readStream(stream, from),
    ...(store.readStreams ? { readStreams: store.readStreams.bind(store) } : {}),
    readAll: (after, limit) => store.readAll(after, limit),
    subscribeToAll: (after, signal) => store.subscribeToAll(after, signal),
    ...(store.subscribeToAllPages ? { subscribeToAllPages: store.subscribeToAllPages.bind(store) } : {}),
    headPosition: () => store.headPosition(),
    ...(store.countUpTo ? { countUpTo: store.countUpTo.bind(store) } : {}),
    close: async () => undefined,
  };
}

export interface RebuildResult {
  schema: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** Migrates a fresh schema and runs the projections into it up to the ledger's head. */
export async function rebuildReadModels(options: {
  db: Kysely<unknown>;
  store: EventStore;
  schema: string;
  projections: (store: EventStore) => Projection[];
  clock: Clock;
  logger: Logger;
  onProgress?: (applied: number, total: number) => void;
}): Promise<RebuildResult> {
  const { db, store, schema, clock, logger } = options;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`Invalid schema name ${schema}`);
  await sql`create schema ${sql.id(schema)}`.execute(db);
  const target = db.withSchema(schema);
  await runMigrations(target, 'read_model_migration', readModelMigrations, schema);
  const head = await store.headPosition();
  // Counted where the ledger lies when it can: reading it through would open every sealed value first.
  const total = head ? await countEventsUpTo(store, head) : 0;
  const started = performance.now();
  if (head) {
    const readOnly = readOnlyLedger(store);
    const projections = options.projections(readOnly);
    // Progress is the slowest projection's.
    const applied = new Map(projections.map((p) => [p.name, 0]));
    const runner = new ProjectionRunner({
      store: readOnly,
      db: target as Kysely<ReadModelDatabase>,
      projections,
      clock,
      logger,
      batchSize: 2000,
      sharedReader: true,
      onBatch: (name, events) => {
        applied.set(name, (applied.get(name) ?? 0) + events);
        options.onProgress?.(Math.min(total, ...applied.values()), total);
      },
    });
    await runner.start();
    try {
      await runner.whenProcessed(head, { timeoutMs: 24 * 3600_000 });
    } finally {
      await runner.stop();
    }
  }
  options.onProgress?.(total, total);
  const seconds = (performance.now() - started) / 1000;
  return { schema, events: total, seconds, eventsPerSecond: seconds > 0 ? total / seconds : total };
}

export interface TableDifference {
  table: string;
  onlyLive: number;
  onlyRebuilt: number;
}

/** Rows of every read-model table that differ between two schemas, in either direction. */
export async function compareSchemas(db: Kysely<unknown>, live: string, rebuilt: string): Promise<TableDifference[]> {
  const { rows: tables } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
     where table_schema = ${rebuilt} and table_type = 'BASE TABLE'
     order by table_name
  `.execute(db);
  const differences: TableDifference[] = [];
  for (const { table_name: table } of tables) {
    if (SKIPPED_TABLES.has(table)) continue;
    const { rows: columns } = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
       where table_schema = ${rebuilt} and table_name = ${table}
       order by ordinal_position
    `.execute(db);
    const cols = sql.join(columns.map((c) => c.column_name).filter((c) => !OPERATIONAL_COLUMNS.has(c)).map((c) => sql.id(c)));
    const diff = async (a: string, b: string) => {
      const { rows } = await sql<{ n: string }>`
        select count(*)::text as n from (
          select ${cols} from ${sql.id(a, table)} except all select ${cols} from ${sql.id(b, table)}
        ) d
      `.execute(db);
      return Number(rows[0]?.n ?? 0);
    };
    const onlyLive = await diff(live, rebuilt);
    const onlyRebuilt = await diff(rebuilt, live);
    if (onlyLive || onlyRebuilt) differences.push({ table, onlyLive, onlyRebuilt });
  }
  return differences;
}

export async function dropSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
}

/** Whether read models hold personal data written in clear before they kept it sealed (migration 0019 noted it). */
export async function readModelsWrittenInClear(db: Kysely<unknown>): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from read_models_written_in_clear`.execute(db);
  return rows[0]!.n > 0;
}
