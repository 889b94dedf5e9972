import { loadConfig } from '../src/config.ts';
import { parseEnvelope } from '../src/domain/intake/envelope.ts';
import { replayReadModels } from '../src/replay-read-models.ts';
import { deriveLedgerKeys } from '../src/domain/keys/ledger-keys.ts';
import { startService } from '../src/service.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { realClock } from '../test/support/clock.ts';
import { UPSTREAM_TYPES, validEnvelope } from '../test/support/envelopes.ts';
import { createBenchDatabase, BENCH_MASTER_KEY } from './support/bench-database.ts';
import { rawInsertRate, rawKeysetReadRate } from './support/raw-baselines.ts';

const EVENTS = Number(process.env.REPLAY_EVENTS ?? 10_000);

/**
 * A ledger written by the live service (every upstream type, planned, sent), then every read model
 * rebuilt from it into a fresh schema and compared with the live ones. Sandbox rate limits are lifted.
 */
export async function run(): Promise<Record<string, number | string | boolean>> {
  const baseline = await createBenchDatabase('replay_baseline');
  let rawInsert: number;
  let rawRead: number;
  try {
    console.log('Baselines: raw pg single-row inserts and keyset reads...');
    rawInsert = await rawInsertRate(baseline.url);
    rawRead = await rawKeysetReadRate(baseline.url);
    console.log(`  raw insert ${Math.round(rawInsert)}/s, keyset read ${Math.round(rawRead)}/s`);
  } finally {
    await baseline.drop();
  }
  // The ledger as the service writes it (personal data sealed), then the same in clear through the
  // switch only benchmarks use: a rebuild opens every sealed part, which is what sealing costs it.
  const sealed = await writeAndReplay('sealed');
  const clear = await writeAndReplay('clear');
  const sealedRatio = sealed.eventsPerSecond / rawRead;
  const clearRatio = clear.eventsPerSecond / rawRead;
  console.log(`Sealing keeps ${(sealedRatio / clearRatio).toFixed(2)} of the replay rate in clear (${Math.round(sealed.eventsPerSecond)}/s against ${Math.round(clear.eventsPerSecond)}/s)`);
  return {
    events_per_s: Math.round(sealed.eventsPerSecond),
    differences: sealed.differences,
    ledger_events: sealed.events,
    raw_insert_per_s: Math.round(rawInsert),
    raw_keyset_read_per_s: Math.round(rawRead),
    ratio_to_keyset_read: Number(sealedRatio.toFixed(3)),
    clear_events_per_s: Math.round(clear.eventsPerSecond),
    clear_differences: clear.differences,
    clear_ratio_to_keyset_read: Number(clearRatio.toFixed(3)),
    sealed_of_clear: Number((sealedRatio / clearRatio).toFixed(2)),
    sealing_within_budget: sealedRatio / clearRatio >= 0.9,
  };
}

/** A ledger written by the live service, then every read model rebuilt from it and compared. */
async function writeAndReplay(personalData: 'sealed' | 'clear'): Promise<{ eventsPerSecond: number; events: number; differences: number }> {
  const database = await createBenchDatabase(`replay_${personalData}`);
  try {
    const unlimited = { concurrency: 64, perSecond: 1_000_000 };
    const logger = silentLogger();
    const service = await startService(
      loadConfig({ DATABASE_URL: database.url, API_TOKENS: `bench:admin:${'r'.repeat(32)}`, LEDGER_MASTER_KEY: BENCH_MASTER_KEY, CHANNELS_SANDBOX: 'all', LOG_LEVEL: 'silent' }),
      { logger, port: 0, personalData, dispatcher: { limits: { whatsapp: unlimited, email: unlimited }, claimBatch: 200 } },
    );
    console.log(`Writing a ledger with personal data ${personalData}: ${EVENTS} inbound events of every type, planned and sent...`);
    for (let i = 0; i < EVENTS; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, EVENTS - i) }, async (_, j) => {
        const parsed = parseEnvelope(validEnvelope(UPSTREAM_TYPES[(i + j) % UPSTREAM_TYPES.length]!, {}, realClock));
        if (!parsed.ok) throw new Error('invalid fixture');
        await service.intake.record(parsed.value, 'http');
      }));
    }
    for (;;) {
      const head = await service.store.headPosition();
      if (head) await service.whenProcessed(head, 600_000);
      const open = await service.db.selectFrom('notifications').select((eb) => eb.fn.countAll<string>().as('n')).where('status', 'in', ['planned', 'sending']).executeTakeFirst();
      if (Number(open?.n ?? 0) === 0 && head && (await service.store.headPosition())?.prepare === head.prepare) break;
    }
    await service.stop();

    const { connectPostgres } = await import('../src/ledger/sql-connection.ts');
    const connection = connectPostgres(database.url);
    try {
      console.log('Rebuilding every read model from the ledger...');
      const result = await replayReadModels(connection, { schemaPrefix: 'replay_bench', keys: deriveLedgerKeys(Buffer.from(BENCH_MASTER_KEY, 'base64')), databaseUrl: database.url });
      for (const d of result.differences) console.log(`  DIFFERENCE in ${d.table}: ${d.onlyLive} only live, ${d.onlyRebuilt} only rebuilt`);
      console.log(`  ${result.events} ledger events in ${result.seconds.toFixed(1)} s: ${Math.round(result.eventsPerSecond)}/s`);
      return { eventsPerSecond: result.eventsPerSecond, events: result.events, differences: result.differences.length };
    } finally {
      await connection.close();
    }
  } finally {
    await database.drop();
  }
}
