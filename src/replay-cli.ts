import { loadToolConfig } from './config.ts';
import { replayReadModels } from './replay-read-models.ts';
import { resolveMasterKey } from './master-key-file.ts';
import { runCli } from './run-cli.ts';
import { openToolLedger, progressBar } from './tool-ledger.ts';

// npm run replay [-- --keep]: rebuilds every read model from the ledger into a fresh schema, compares
// it with the live one and prints the differences (none expected) and the rebuild speed. It never
// sends: the rebuild runs against a ledger that takes no appends.
async function main(): Promise<number> {
  const keep = process.argv.includes('--keep');
  const config = loadToolConfig();
  const ledger = await openToolLedger(config, 'clinic-notification-ledger:replay');
  try {
    const bar = progressBar('Rebuilding read models', 'events');
    // The same master key as the service: conversations are named by keyed hashes under it.
    const { keys } = await resolveMasterKey(config, ledger.embedded);
    const result = await replayReadModels(ledger.connection, {
      schemaPrefix: 'replay',
      keys,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      keep,
      onProgress: bar.onProgress,
    });
    bar.stop();
    const { differences, schema } = result;
    console.log(`Rebuilt ${result.events} events in ${result.seconds.toFixed(2)} s (${Math.round(result.eventsPerSecond)} events/s).`);
    if (differences.length === 0) console.log('No differences: every read model rebuilt from the ledger equals the live one.');
    for (const d of differences) console.log(`DIFFERENCE in ${d.table}: ${d.onlyLive} rows only live, ${d.onlyRebuilt} rows only rebuilt`);
    if (keep) console.log(`The rebuilt read models are kept in schema ${schema}.`);
    console.log(JSON.stringify({ events: result.events, events_per_s: Math.round(result.eventsPerSecond), differences: differences.length }));
    return differences.length === 0 ? 0 : 1;
  } finally {
    await ledger.close();
  }
}

runCli(main);
