import { loadToolConfig } from './config.ts';
import { migrateEncrypt } from './ledger/migrate-encrypt.ts';
import { dropPlaintextCopy, PLAINTEXT_COPY, PLAINTEXT_COPY_SCHEMA } from './ledger/plaintext-copy.ts';
import { resolveMasterKey } from './master-key-file.ts';
import { runCli } from './run-cli.ts';
import { openToolLedger, progressBar } from './tool-ledger.ts';
import { readModelsWrittenInClear } from './projections/rebuild-read-models.ts';
import { rebuildReadModelsInPlace } from './replay-read-models.ts';

// npm run migrate:encrypt [-- --drop-copy]: seals the personal data of every event a ledger holds
// from before sealing, in place (src/ledger/migrate-encrypt.ts says why in place), once; run it
// again and it changes nothing. With --drop-copy it only drops the plaintext copy it kept aside.
// The service must be stopped.
async function main(): Promise<number> {
  const dropCopy = process.argv.includes('--drop-copy');
  const config = loadToolConfig();
  if (config.KURRENTDB_URL) {
    console.error(
      'KURRENTDB_URL is set: this ledger is in KurrentDB, whose events cannot be rewritten, and copying them to new streams would ' +
        'show every subscription each event again, out of order. Nothing was changed. Events appended from now on are sealed at the ' +
        'append; those recorded before stay as they are (README, "Personal data").',
    );
    return 2;
  }
  const ledger = await openToolLedger(config, 'clinic-notification-ledger:migrate-encrypt');
  const { connection, embedded } = ledger;
  try {
    if (dropCopy) {
      const dropped = await dropPlaintextCopy(connection.db);
      console.log(dropped ? `Dropped ${PLAINTEXT_COPY}, the plaintext copy.` : `There is no ${PLAINTEXT_COPY} to drop.`);
      return 0;
    }
    // The service's master key: contacts are named by keyed hashes under it, and the key store is wrapped by it.
    const { keys } = await resolveMasterKey(config, embedded);
    const bar = progressBar('Sealing personal data', 'events');
    const report = await migrateEncrypt(connection, {
      keys,
      ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      onProgress: bar.onProgress,
    });
    bar.stop();
    console.log(`Examined ${report.examined} events that carry personal data; sealed ${report.sealed} of them (${report.parts} parts).`);
    if (report.erasedParts > 0) console.log(`${report.erasedParts} parts belonged to people erased before: they read [erased].`);
    if (report.sealed === 0) console.log(report.parts === 0 && report.examined > 0 ? 'Nothing left to seal: every personal part was sealed already.' : 'Nothing to seal.');
    else console.log('Event ids, types, streams, revisions and ledger positions are unchanged.');
    // Read models copied what the ledger held: written from a clear ledger, or before they kept
    // personal data sealed, they hold it in clear. Rebuilt from the sealed ledger, they hold its ciphertext.
    let rebuilt: number | null = null;
    if (report.sealed > 0 || (await readModelsWrittenInClear(connection.readModels))) {
      const rebuilding = progressBar('Rebuilding read models', 'events');
      const rebuild = await rebuildReadModelsInPlace(connection, {
        keys,
        ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
        onProgress: rebuilding.onProgress,
      });
      rebuilding.stop();
      rebuilt = rebuild.events;
      console.log(`Read models rebuilt from the sealed ledger (${rebuild.events} events): they keep personal data sealed now, as the ledger does.`);
    } else {
      console.log('Read models keep personal data sealed already: not rebuilt.');
    }
    if (report.copy) {
      const dropHow = embedded ? 'npm run migrate:encrypt -- --drop-copy' : `npm run migrate:encrypt -- --drop-copy   (or: drop schema ${PLAINTEXT_COPY_SCHEMA} cascade;)`;
      console.log(
        [
          '',
          '!!! WARNING: PLAINTEXT COPY KEPT !!!',
          `${PLAINTEXT_COPY} (${report.copy.rows} events, ${report.copy.made === 'now' ? 'made by this run' : 'made by an earlier run'}) holds the ledger`,
          'as it was, with every name, phone number, email address and message IN CLEAR. Erasing a person cannot reach it,',
          'and every database backup taken while it exists carries it. Compare if you wish, then drop it:',
          `    ${dropHow}`,
          '',
        ].join('\n'),
      );
    }
    console.log(JSON.stringify({ examined: report.examined, sealed: report.sealed, parts: report.parts, erased_parts: report.erasedParts, read_models_rebuilt_from: rebuilt, copy: report.copy?.name ?? null }));
    return 0;
  } finally {
    await ledger.close();
  }
}

runCli(main);
