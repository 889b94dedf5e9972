import { SingleBar } from 'cli-progress';
import { loadToolConfig } from './config.ts';
import { lockDataDir } from './ledger/data-dir-lock.ts';
import { connectPglite, connectPostgres } from './ledger/sql-connection.ts';
import { replayReadModels } from './replay-read-models.ts';
import { resolveMasterKey } from './master-key-file.ts';
import { postgresTimeouts } from './service.ts';

// npm run replay [-- --keep]: rebuilds every read model from the ledger into a fresh schema, compares
// it with the live one and prints the differences (none expected) and the rebuild speed. It never
// sends: the rebuild runs against a ledger that takes no appends.
async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const config = loadToolConfig();
  const embedded = !config.DATABASE_URL;
  const unlock = embedded ? await lockDataDir(config.DATA_DIR) : null;
  const connection = embedded ? await connectPglite(`${config.DATA_DIR}/pglite`) : connectPostgres(config.DATABASE_URL!, { timeouts: postgresTimeouts(config) });
  try {
    const bar = new SingleBar({ format: 'Rebuilding read models [{bar}] {percentage}% | {value}/{total} events | {eta}s left', hideCursor: true });
    let started = false;
    // The same master key as the service: conversations are named by keyed hashes under it.
    const { keys } = await resolveMasterKey(config, embedded);
    const result = await replayReadModels(connection, {
      schemaPrefix: 'replay',
      keys,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      keep,
      onProgress: (applied, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(applied);
      },
    });
    if (started) bar.stop();
    const { differences, schema } = result;
    console.log(`Rebuilt ${result.events} events in ${result.seconds.toFixed(2)} s (${Math.round(result.eventsPerSecond)} events/s).`);
    if (differences.length === 0) console.log('No differences: every read model rebuilt from the ledger equals the live one.');
    for (const d of differences) console.log(`DIFFERENCE in ${d.table}: ${d.onlyLive} rows only live, ${d.onlyRebuilt} rows only rebuilt`);
    if (keep) console.log(`The rebuilt read models are kept in schema ${schema}.`);
    console.log(JSON.stringify({ events: result.events, events_per_s: Math.round(result.eventsPerSecond), differences: differences.length }));
    process.exitCode = differences.length === 0 ? 0 : 1;
  } finally {
    await connection.close();
    await unlock?.();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
