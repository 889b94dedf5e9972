import { PostgresEventStore } from './ledger/postgres-event-store.ts';
import { PersonKeyStore } from './ledger/person-key-store.ts';
import { ProtectedEventStore } from './ledger/protected-event-store.ts';
import { SealedCells } from './ledger/sealed-cells.ts';
import type { EventStore } from './ledger/event-store.ts';
import type { SqlConnection } from './ledger/sql-connection.ts';
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
