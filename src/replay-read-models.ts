import { PostgresEventStore } from './ledger/postgres-event-store.ts';
import { PersonKeyStore } from './ledger/person-key-store.ts';
import { ProtectedEventStore } from './ledger/protected-event-store.ts';
import { SealedCells } from './ledger/sealed-cells.ts';
import type { EventStore } from './ledger/event-store.ts';
import type { SqlConnection } from './ledger/sql-connection.ts';
import { sql, type Kysely } from 'kysely';
import { compareSchemas, dropSchema, rebuildReadModels, type RebuildResult, type TableDifference } from './projections/rebuild-read-models.ts';
import { buildProjections } from './projections/build-projections.ts';
import { systemClock } from './service.ts';
import { silentLogger } from './telemetry/logger.ts';
import type { LedgerKeys } from './domain/keys/ledger-keys.ts';

export interface ReplayReport extends RebuildResult {
  /** Tables whose rebuilt rows differ from the live ones; none when the projections are deterministic. */
  differences: TableDifference[];
}

/**
 * Rebuilds every read model from the ledger into a fresh schema (`<prefix>_<ms>`), the way the
 * service builds its projections, and compares it with the live one; drops the schema unless
 * `keep`. It never sends: the rebuild reads a ledger that takes no appends. `npm run replay` and
 * the replay benchmark both measure this.
 */
export async function replayReadModels(
  connection: SqlConnection,
  options: {
    schemaPrefix: string;
    keys: LedgerKeys;
    /** PostgreSQL's URL, for the key store that opens the ledger's sealed personal data; none on PGlite. */
    databaseUrl?: string;
    keep?: boolean;
    onProgress?: (applied: number, total: number) => void;
  },
): Promise<ReplayReport> {
  const personKeys = await PersonKeyStore.open(connection, options.keys, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
  const store = new ProtectedEventStore(await PostgresEventStore.open(connection), personKeys, options.keys);
  try {
    return await rebuildAndCompare(connection, store, new SealedCells(personKeys), options);
  } finally {
    await store.close();
    await personKeys.close();
  }
}

async function rebuildAndCompare(
  connection: SqlConnection,
  store: EventStore,
  cells: SealedCells,
  options: { schemaPrefix: string; keys: LedgerKeys; keep?: boolean; onProgress?: (applied: number, total: number) => void },
): Promise<ReplayReport> {
  const logger = silentLogger();
  const result = await rebuildReadModels({
    db: connection.readModels,
    store,
    schema: `${options.schemaPrefix}_${Date.now()}`,
    clock: systemClock,
    logger,
    projections: (readOnly) => buildProjections({ store: readOnly, keys: options.keys, cells, clock: systemClock, logger, rebuild: true }),
    onProgress: options.onProgress,
  });
  const differences = await compareSchemas(connection.readModels, 'public', result.schema);
  if (!options.keep) await dropSchema(connection.readModels, result.schema);
  return { ...result, differences };
}

/**
 * Rebuilds every read model from the ledger and puts the rebuilt tables in place of the live ones,
 * in one transaction: what `npm run migrate:encrypt` does once the ledger is sealed, so read models
 * written in clear before hold only what the sealed ledger gives (its ciphertext, sealed-cell.ts).
 * The service must be stopped. The old tables are dropped, files and all; the ledger and the key
 * store, which are not read models, are not touched.
 */
export async function rebuildReadModelsInPlace(
  connection: SqlConnection,
  options: { keys: LedgerKeys; databaseUrl?: string; onProgress?: (applied: number, total: number) => void },
): Promise<RebuildResult> {
  const personKeys = await PersonKeyStore.open(connection, options.keys, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
  const store = new ProtectedEventStore(await PostgresEventStore.open(connection), personKeys, options.keys);
  const logger = silentLogger();
  try {
    const result = await rebuildReadModels({
      db: connection.readModels,
      store,
      schema: `rebuilt_${Date.now()}`,
      clock: systemClock,
      logger,
      projections: (readOnly) => buildProjections({ store: readOnly, keys: options.keys, cells: new SealedCells(personKeys), clock: systemClock, logger, rebuild: true }),
      onProgress: options.onProgress,
    });
    await swapIntoPublic(connection.readModels, result.schema);
    return result;
  } finally {
    await store.close();
    await personKeys.close();
  }
}

async function swapIntoPublic(db: Kysely<unknown>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { rows: tables } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = ${schema} and table_type = 'BASE TABLE'`.execute(trx);
    for (const { name } of tables) {
      await sql`drop table if exists ${sql.id('public', name)} cascade`.execute(trx);
      await sql`alter table ${sql.id(schema, name)} set schema public`.execute(trx);
    }
    await sql`drop schema ${sql.id(schema)} cascade`.execute(trx);
  });
}
