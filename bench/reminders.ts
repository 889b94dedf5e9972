import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ReminderScheduler } from '../src/projections/reminders/reminder-scheduler.ts';
import type { Clock } from '../src/domain/clock.ts';
import { PostgresEventStore } from '../src/ledger/postgres-event-store.ts';
import { runMigrations } from '../src/ledger/run-migrations.ts';
import { connectPostgres, type SqlConnection } from '../src/ledger/sql-connection.ts';
import { readModelMigrations } from '../src/projections/migrations/read-model-migrations.ts';
import type { ReadModelDatabase } from '../src/projections/read-model-database.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { createBenchDatabase } from './support/bench-database.ts';
import { percentile } from './support/raw-baselines.ts';

// DESIGN.md's contract: 100,000 reminders due within one minute of a fast clock. The clock only
// jumps to the window; the minute itself runs at real speed. Several scheduler instances (each
// with its own pool, as separate processes would have) share the work through SKIP LOCKED. The
// measure is the lateness of each fire (ReminderFired committed) against its due time. The
// due-time table is seeded with SQL (it is what the scheduler claims from; the reaction and
// projection that fill it in the service are not what is measured here), and the planner and
// dispatcher do not run: their throughput is the e2e benchmark's subject.
const REMINDERS = 100_000;
const WINDOW_MS = 60_000;
const LEAD_MS = 3_000;
const INSTANCES = 2;
const POOL_PER_INSTANCE = 16;
const BURST = 50_000;
const RAW_CLAIM_ROWS = 100_000;
const RAW_CLAIM_BATCH = 10;
const RAW_CLAIMERS = 4;

/** Real time, shifted: the fast clock's one jump. */
function shiftedClock(): Clock & { jumpTo(at: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    jumpTo: (at) => {
      offset = at - Date.now();
    },
  };
}

/** Due-time rows, one reminder per appointment, due evenly from `from` over `spanMs`. */
async function seed(db: Kysely<ReadModelDatabase>, label: string, count: number, from: number, spanMs: number): Promise<void> {
  await sql`
    insert into reminders (reminder_id, appointment_id, centre_id, reminder_offset, scheduled_by, due_at, slot_at, status, created_at, updated_at)
    select gen_random_uuid(), ${label} || '-' || g, 'centre-bench', '30m', 'bench:' || ${label} || '-' || g,
           to_timestamp((${from}::float8 + g * ${spanMs / count}::float8) / 1000),
           to_timestamp((${from}::float8 + g * ${spanMs / count}::float8) / 1000) + interval '30 minutes',
           'scheduled', now(), now()
      from generate_series(0, ${count - 1}) g
  `.execute(db);
}

/** The fires of one batch of reminders, read back from the ledger: decision and commit lateness. */
async function firesOf(db: Kysely<ReadModelDatabase>, label: string, offsetMs: number) {
  const { rows } = await sql<{ due: string; fired: string; recorded: string }>`
    select (extract(epoch from (data->>'dueAt')::timestamptz) * 1000)::float8::text as due,
           (extract(epoch from (data->>'firedAt')::timestamptz) * 1000)::float8::text as fired,
           (extract(epoch from recorded_at) * 1000)::float8::text as recorded
      from ledger_events
     where event_type = 'ReminderFired' and data->>'appointmentId' like ${`${label}-%`}
  `.execute(db);
  const decided = rows.map((r) => Number(r.fired) - Number(r.due)).sort((a, b) => a - b);
  // recorded_at is the database's real time; the fast clock is real time plus a constant.
  const committed = rows.map((r) => Number(r.recorded) + offsetMs - Number(r.due)).sort((a, b) => a - b);
  const lastCommit = rows.reduce((max, r) => Math.max(max, Number(r.recorded) + offsetMs), 0);
  return { count: rows.length, decided, committed, lastCommit };
}

async function fateCounts(db: Kysely<ReadModelDatabase>, label: string) {
  const rows = await db.selectFrom('reminders').select(['status', sql<string>`count(*)::text`.as('n')]).where('appointment_id', 'like', `${label}-%`).groupBy('status').execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** Raw SKIP LOCKED batch claims of 10 (no ledger, no decision): the floor the scheduler's claim stands on. */
async function rawClaimRate(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: RAW_CLAIMERS });
  try {
    await pool.query('create table raw_jobs (id bigint generated always as identity primary key, due_at timestamptz not null, locked_by text)');
    await pool.query('insert into raw_jobs (due_at) select now() - interval \'1 minute\' + g * interval \'1 microsecond\' from generate_series(1, $1) g', [RAW_CLAIM_ROWS]);
    await pool.query('create index raw_jobs_due on raw_jobs (due_at) where locked_by is null');
    await pool.query('vacuum analyze raw_jobs');
    let claimed = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: RAW_CLAIMERS }, async (_, worker) => {
      for (;;) {
        const { rowCount } = await pool.query(
          `update raw_jobs set locked_by = $1
            where id in (select id from raw_jobs where locked_by is null and due_at <= now() order by due_at limit $2 for update skip locked)
           returning id`,
          [`raw-${worker}`, RAW_CLAIM_BATCH],
        );
        if (!rowCount) return;
        claimed += rowCount;
      }
    }));
    return claimed / ((performance.now() - started) / 1000);
  } finally {
    await pool.end();
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function run(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('reminders');
  console.log(`database ${database.name}`);
  const connections: SqlConnection[] = [];
  const schedulers: ReminderScheduler[] = [];
  const adminPool = new pg.Pool({ connectionString: database.url, max: 2 });
  adminPool.on('error', () => undefined);
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool: adminPool }) });
  try {
    const setup = connectPostgres(database.url, { poolSize: 2, applicationName: 'bench-reminders-setup' });
    connections.push(setup);
    await PostgresEventStore.open(setup);
    await runMigrations(setup.db, 'read_model_migration', readModelMigrations);

    console.log(`raw baseline: ${RAW_CLAIM_ROWS} rows claimed ${RAW_CLAIM_BATCH} at a time by ${RAW_CLAIMERS} claimers (FOR UPDATE SKIP LOCKED)`);
    const rawPerSecond = await rawClaimRate(database.url);
    console.log(`raw claims: ${Math.round(rawPerSecond)}/s`);

    const clock = shiftedClock();
    // 09:30 in Kolkata a week after today, whatever day the bench runs: ahead of the real clock,
    // so the fast clock's jump is always forwards.
    const windowStart = Math.floor(Date.now() / 86_400_000) * 86_400_000 + 7 * 86_400_000 + 4 * 3_600_000;
    console.log(`seeding ${REMINDERS} reminders due over ${WINDOW_MS / 1000} s, and ${BURST} already overdue for the burst`);
    await seed(db, 'minute', REMINDERS, windowStart, WINDOW_MS);
    await sql`vacuum analyze reminders`.execute(db);

    for (let i = 0; i < INSTANCES; i++) {
      const connection = connectPostgres(database.url, { poolSize: POOL_PER_INSTANCE, applicationName: `bench-reminders-${i}` });
      connections.push(connection);
      const store = await PostgresEventStore.open(connection);
      schedulers.push(new ReminderScheduler({
        store,
        // As in the service: read-model writes (claims, completions) commit asynchronously; the ledger does not.
        db: connection.readModels as Kysely<ReadModelDatabase>,
        clock,
        logger: silentLogger(),
        worker: `bench-${i}`,
        pollIntervalMs: 1000,
      }));
    }

    // The fast clock's jump: to just before the window. From here on it runs at real speed.
    clock.jumpTo(windowStart - LEAD_MS);
    const offsetMs = clock.now().getTime() - Date.now();
    for (const s of schedulers) s.start();
    console.log(`the minute: ${INSTANCES} scheduler instances, ${POOL_PER_INSTANCE} connections each`);
    await until(async () => (await fateCounts(db, 'minute')).scheduled === undefined, WINDOW_MS + LEAD_MS + 120_000, 'every reminder of the minute to fire');
    const minute = await firesOf(db, 'minute', offsetMs);
    const minuteFates = await fateCounts(db, 'minute');
    const firedPerSecond = minute.count / ((minute.lastCommit - windowStart) / 1000);
    const p = (sorted: number[], q: number) => Math.round(percentile(sorted, q));
    console.log(`fired ${minute.count}: ${JSON.stringify(minuteFates)}`);
    console.log(`lateness at commit: p50 ${p(minute.committed, 50)} ms, p99 ${p(minute.committed, 99)} ms, max ${p(minute.committed, 100)} ms`);
    console.log(`lateness at decision: p50 ${p(minute.decided, 50)} ms, p99 ${p(minute.decided, 99)} ms`);

    // Headroom: a backlog all due at once (after downtime, one reminder per appointment), drained flat out.
    await seed(db, 'burst', BURST, clock.now().getTime() - 10 * 60_000, 60_000);
    const burstStarted = performance.now();
    for (const s of schedulers) s.poke();
    await until(async () => (await fateCounts(db, 'burst')).scheduled === undefined, 300_000, 'the burst to drain');
    const burstSeconds = (performance.now() - burstStarted) / 1000;
    const burst = await firesOf(db, 'burst', offsetMs);
    const burstPerSecond = burst.count / burstSeconds;
    console.log(`burst: ${burst.count} overdue fired in ${burstSeconds.toFixed(1)} s = ${Math.round(burstPerSecond)}/s`);

    const duplicates = await sql<{ n: string }>`
      select count(*)::text as n from (select stream_name from ledger_events where stream_name like 'reminder-%' group by stream_name having count(*) > 1) d
    `.execute(db);

    return {
      fired_per_s: Math.round(firedPerSecond),
      p99_lateness_ms: p(minute.committed, 99),
      p50_lateness_ms: p(minute.committed, 50),
      max_lateness_ms: p(minute.committed, 100),
      p99_decision_lateness_ms: p(minute.decided, 99),
      fired: minute.count,
      superseded_or_dropped: (minuteFates.superseded ?? 0) + (minuteFates.dropped ?? 0),
      double_fates: Number(duplicates.rows[0]!.n),
      burst_fired_per_s: Math.round(burstPerSecond),
      raw_claim_per_s: Math.round(rawPerSecond),
      burst_ratio_to_raw_claim: Number((burstPerSecond / rawPerSecond).toFixed(3)),
      instances: INSTANCES,
      reminders: REMINDERS,
      target_met: percentile(minute.committed, 99) <= 1000,
      note: 'due-time table seeded by SQL; planner and dispatcher not running; lateness = ReminderFired commit minus due',
    };
  } finally {
    await Promise.allSettled(schedulers.map((s) => s.stop()));
    for (const c of connections) await c.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
    await database.drop();
  }
}
