import type { Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';

/**
 * Applies numbered migrations under the migrator's advisory lock, so several instances starting
 * at once migrate once. Each part (ledger, read models) keeps its own migration table.
 */
export async function runMigrations(db: Kysely<unknown>, table: string, migrations: Record<string, Migration>, schema?: string): Promise<void> {
  const migrator = new Migrator({
    db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: table,
    migrationLockTableName: `${table}_lock`,
    // Numbers are reserved per area and land in any order: a database that already ran 0005 still
    // takes 0004 when it arrives, instead of refusing to start.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${table}/${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
