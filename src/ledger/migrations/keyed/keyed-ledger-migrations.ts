import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { runMigrations } from '../../run-migrations.ts';
import { preferenceStreamsByKeyedHash, type PreferenceStreamsRenamed } from './0001_preference_streams_by_keyed_hash.ts';

/** What the keyed migrations did, for the start's log: counts only, never a name. */
export interface KeyedMigrationReport {
  preferenceStreams?: PreferenceStreamsRenamed;
}

/**
 * Ledger migrations that need the master key's derived keys (renaming by keyed hash), so they run
 * at the service's start once the key is known, after the ledger's own. Each runs once per
 * database, recorded in `ledger_keyed_migration` under the migrator's advisory lock, in one
 * transaction. Frozen and numbered like the rest: never edit one after it has shipped.
 */
export function keyedLedgerMigrations(keys: { contactHash: Buffer }, report: KeyedMigrationReport = {}): Record<string, Migration> {
  return {
    '0001_preference_streams_by_keyed_hash': preferenceStreamsByKeyedHash(keys.contactHash, (done) => {
      report.preferenceStreams = done;
    }),
  };
}

/** Runs what has not run yet on the SQL ledger (PostgreSQL or PGlite); answers what ran. */
export async function runKeyedLedgerMigrations(db: Kysely<unknown>, keys: { contactHash: Buffer }): Promise<KeyedMigrationReport> {
  const report: KeyedMigrationReport = {};
  await runMigrations(db, 'ledger_keyed_migration', keyedLedgerMigrations(keys, report));
  return report;
}
