import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { streamName } from '../src/domain/stream-name.ts';
import { deriveLedgerKeys } from '../src/domain/keys/ledger-keys.ts';
import { comparePositions, type EventStore, type LedgerPosition, type NewEvent } from '../src/ledger/event-store.ts';
import { PersonKeyStore } from '../src/ledger/person-key-store.ts';
import { findPersonalParts, sealPersonalParts } from '../src/ledger/seal-personal-data.ts';
import { sealJsonText } from '../src/domain/keys/field-cipher.ts';
import { SEALED_FIELD, SHAPE_FIELD } from '../src/domain/keys/personal-data.ts';
import { ProtectedEventStore } from '../src/ledger/protected-event-store.ts';
import { PostgresEventStore } from '../src/ledger/postgres-event-store.ts';
import { connectPostgres, type SqlConnection } from '../src/ledger/sql-connection.ts';
import { BENCH_MASTER_KEY, createBenchDatabase } from './support/bench-database.ts';

// DESIGN.md's benchmark contract: durable appends with 10 appenders against raw single-row
// INSERTs through pg with 10 connections, in the same run; then a catch-up over 100k events.
const APPENDERS = 10;
const WARMUP_PER_SIDE = 2_000;
const MEASURED_PER_SIDE = 20_000;
// Alternating rounds spread the drift of a shared machine over both sides instead of one.
const ROUNDS = 10;
const CATCHUP_EVENTS = 100_000;
const CATCHUP_EVENTS_PER_APPEND = 500;
const CATCHUP_LOADERS = 4;
const SEALING_SAMPLE = 20_000;

// A day after the bench starts, as a planned notification's would be.
const dueAt = new Date(Date.now() + 86_400_000).toISOString();
// A recipient as a planned notification names one: the personal data the sealed side seals.
const payload = (i: number) => ({
  notificationId: randomUUID(),
  channel: 'whatsapp',
  recipient: { kind: 'patient', id: `pat-${i % 997}`, name: 'Asha Verma', address: `+9198${String(10_000_000 + (i % 997)).slice(1)}`, locale: 'en' },
  template: { name: 'appointment_confirmed', version: 3 },
  dueAt,
});
const metadata = { correlationId: 'his:bench', actor: 'system' };

const newEvent = (i: number): NewEvent => ({ id: randomUUID(), type: 'NotificationPlanned', data: payload(i), metadata });

/**
 * The same event as the sealed side writes it (the recipient's name and address as one sealed value
 * beside its shape), with random characters of the sealed value's length in place of a ciphertext:
 * what the sealed rows alone cost the ledger, without sealing anything.
 */
function sizedLikeSealed(): (i: number) => NewEvent {
  const sealedLength = (i: number) => {
    const { name, address } = payload(i).recipient;
    return `pd1.${randomUUID()}.${randomBytes(12).toString('base64url')}.${randomBytes(16).toString('base64url')}.`.length + Buffer.from(JSON.stringify({ name, address })).toString('base64url').length;
  };
  // Made before the clock starts, and reused: the rows are as long, the loop does no more work.
  const fillers = Array.from({ length: 997 }, (_, i) => randomBytes(sealedLength(i)).toString('base64url').slice(0, sealedLength(i)));
  return (i) => {
    const { recipient, ...rest } = payload(i);
    const sized = { kind: recipient.kind, id: recipient.id, locale: recipient.locale, [SEALED_FIELD]: fillers[i % 997]!, [SHAPE_FIELD]: { name: 's', address: 's' } };
    return { id: randomUUID(), type: 'NotificationPlanned', data: { ...rest, recipient: sized }, metadata };
  };
}

/** Runs `appenders` loops that share `total` operations; returns operations per second. */
async function timeConcurrent(total: number, appenders: number, makeLoop: (appender: number, count: number) => Promise<void>): Promise<number> {
  const started = performance.now();
  await Promise.all(Array.from({ length: appenders }, (_, a) => makeLoop(a, Math.floor(total / appenders) + (a < total % appenders ? 1 : 0))));
  return total / ((performance.now() - started) / 1000);
}

/** Each appender owns a stream and appends one event at a time at the exact revision it expects. */
function ledgerSide(store: EventStore, make: (i: number) => NewEvent = newEvent) {
  const revisions = new Map<number, bigint>();
  const streams = Array.from({ length: APPENDERS }, () => streamName.notification(`bench-${randomUUID()}`));
  return (total: number) =>
    timeConcurrent(total, APPENDERS, async (a, count) => {
      for (let i = 0; i < count; i++) {
        const revision = revisions.get(a);
        const result = await store.append(streams[a]!, [make(i)], revision === undefined ? 'no-stream' : revision);
        if (!result.ok) throw result.error;
        revisions.set(a, result.nextRevision);
      }
    });
}

/** The baseline: the same row content, one autocommitted INSERT per event, into a plain table. */
function rawSide(pool: pg.Pool) {
  return (total: number) =>
    timeConcurrent(total, APPENDERS, async (a, count) => {
      const stream = `raw-${a}`;
      for (let i = 0; i < count; i++) {
        await pool.query('insert into raw_events (event_id, stream_name, event_type, data, metadata) values ($1, $2, $3, $4, $5)', [
          randomUUID(),
          stream,
          'NotificationPlanned',
          JSON.stringify(payload(i)),
          JSON.stringify(metadata),
        ]);
      }
    });
}

/**
 * What sealing costs on this thread alone, per event, outside any append: the whole of it (finding
 * the recipient, their cached key, the copy, the cipher), and the AES-256-GCM cipher by itself. An
 * append loop waits for it on every round trip, so it weighs against the clear side's time per event.
 */
async function sealingCost(personKeys: PersonKeyStore, keys: ReturnType<typeof deriveLedgerKeys>): Promise<{ sealUs: number; cipherUs: number }> {
  const events = Array.from({ length: SEALING_SAMPLE }, (_, i) => newEvent(i));
  const whole = async () => {
    const started = performance.now();
    for (let i = 0; i < events.length; i += APPENDERS) {
      const batch = events.slice(i, i + APPENDERS);
      await sealPersonalParts(batch, findPersonalParts(batch, keys), personKeys);
    }
    return ((performance.now() - started) * 1000) / events.length;
  };
  const key = await personKeys.liveKey({ kind: 'patient', id: 'pat-0' });
  const json = JSON.stringify({ name: 'Asha Verma', address: '+919810000000' });
  const cipher = () => {
    const started = performance.now();
    for (const event of events) sealJsonText(key, event.id, json);
    return ((performance.now() - started) * 1000) / events.length;
  };
  await whole();
  cipher();
  // The lower of three: the least the machine's other work added.
  const sealUs = Math.min(await whole(), await whole(), await whole());
  const cipherUs = Math.min(cipher(), cipher(), cipher());
  return { sealUs, cipherUs };
}

async function loadForCatchup(store: PostgresEventStore): Promise<void> {
  const appends = CATCHUP_EVENTS / CATCHUP_EVENTS_PER_APPEND;
  let next = 0;
  await Promise.all(Array.from({ length: CATCHUP_LOADERS }, async () => {
    for (let n = next++; n < appends; n = next++) {
      const events = Array.from({ length: CATCHUP_EVENTS_PER_APPEND }, (_, i) => newEvent(n * CATCHUP_EVENTS_PER_APPEND + i));
      const result = await store.append(streamName.notification(`catchup-${n}`), events, 'no-stream');
      if (!result.ok) throw result.error;
    }
  }));
}

/** Reads the whole ledger through a fresh subscription; checks order and count on the way. */
async function timeCatchup(store: PostgresEventStore, expected: number): Promise<{ perSecond: number; seen: number }> {
  const controller = new AbortController();
  let seen = 0;
  let last: LedgerPosition | null = null;
  const started = performance.now();
  for await (const event of store.subscribeToAll(null, controller.signal)) {
    if (last && comparePositions(last, event.position) >= 0) throw new Error(`catch-up went backwards at event ${seen}`);
    last = event.position;
    if (++seen >= expected) break;
  }
  const seconds = (performance.now() - started) / 1000;
  controller.abort();
  return { perSecond: seen / seconds, seen };
}

export async function run(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('ledger');
  console.log(`database ${database.name}`);
  let connection: SqlConnection | undefined;
  let personKeys: PersonKeyStore | undefined;
  const raw = new pg.Pool({ connectionString: database.url, max: APPENDERS });
  // Dropping the database at the end ends connections the pool is still closing; that is expected.
  raw.on('error', () => undefined);
  try {
    connection = connectPostgres(database.url, { applicationName: 'bench-ledger' });
    const store = await PostgresEventStore.open(connection);
    await raw.query(`
      create table raw_events (
        id bigint generated always as identity primary key,
        event_id uuid not null,
        stream_name text not null,
        event_type text not null,
        data jsonb not null,
        metadata jsonb not null,
        recorded_at timestamptz not null default now()
      )`);
    // The service's ledger seals each recipient under their key first (one cached key per patient).
    const keys = deriveLedgerKeys(Buffer.from(BENCH_MASTER_KEY, 'base64'));
    personKeys = await PersonKeyStore.open(connection, keys, { databaseUrl: database.url });
    const sides = { ledger: ledgerSide(store), sealed: ledgerSide(new ProtectedEventStore(store, personKeys, keys)), sized: ledgerSide(store, sizedLikeSealed()), raw: rawSide(raw) };
    const names = ['ledger', 'sealed', 'sized', 'raw'] as const;

    console.log(`warm-up: ${WARMUP_PER_SIDE} each`);
    for (const name of names) await sides[name](WARMUP_PER_SIDE);

    const perRound = MEASURED_PER_SIDE / ROUNDS;
    const rates: Record<(typeof names)[number], number[]> = { ledger: [], sealed: [], sized: [], raw: [] };
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate which side goes first so none always runs on a warmer (or busier) machine.
      for (let k = 0; k < names.length; k++) {
        const side = names[(round + k) % names.length]!;
        const rate = await sides[side](perRound);
        rates[side].push(rate);
        console.log(`round ${round + 1}/${ROUNDS} ${side}: ${Math.round(rate)}/s`);
      }
    }
    // Same count per round on every side: the overall rate is the harmonic mean of the rounds.
    const overall = (list: number[]) => list.length / list.reduce((sum, r) => sum + 1 / r, 0);
    const ledgerPerSecond = overall(rates.ledger);
    const sealedPerSecond = overall(rates.sealed);
    const rawPerSecond = overall(rates.raw);
    const sizedPerSecond = overall(rates.sized);
    console.log(`appends: ledger ${Math.round(ledgerPerSecond)}/s, sealed ${Math.round(sealedPerSecond)}/s, raw ${Math.round(rawPerSecond)}/s`);
    // Sealing's budget (0.9 of the clear rate) is a ninth of the clear side's time per event.
    const { sealUs, cipherUs } = await sealingCost(personKeys, keys);
    const clearUs = 1e6 / ledgerPerSecond;
    const budgetUs = clearUs / 9;
    const extraUs = 1e6 / sealedPerSecond - clearUs;
    console.log(`sealed appends take ${extraUs.toFixed(1)} us more an event than the ${clearUs.toFixed(1)} us of clear ones; the budget is ${budgetUs.toFixed(1)} us (a ninth)`);
    console.log(`  sealing alone, outside the loop: ${sealUs.toFixed(1)} us an event, the AES-256-GCM cipher ${cipherUs.toFixed(1)} us of it`);
    console.log(`  rows as large as sealed ones, nothing sealed: ${Math.round(sizedPerSecond)}/s, ${(sizedPerSecond / ledgerPerSecond).toFixed(2)} of clear: what the sealed form's size costs alone`);

    console.log(`loading ${CATCHUP_EVENTS} events for the catch-up`);
    const loadStarted = performance.now();
    await loadForCatchup(store);
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    const { rows } = await raw.query<{ count: string }>('select count(*)::text as count from ledger_events');
    const total = Number(rows[0]!.count);
    console.log(`loaded in ${loadSeconds.toFixed(1)} s; catching up over all ${total} events`);
    const catchup = await timeCatchup(store, total);
    console.log(`catch-up: ${Math.round(catchup.perSecond)}/s over ${catchup.seen} events`);

    return {
      ledger_per_s: Math.round(ledgerPerSecond),
      raw_per_s: Math.round(rawPerSecond),
      ratio: Number((ledgerPerSecond / rawPerSecond).toFixed(3)),
      sealed_per_s: Math.round(sealedPerSecond),
      sealed_ratio: Number((sealedPerSecond / rawPerSecond).toFixed(3)),
      sealed_of_clear: Number((sealedPerSecond / ledgerPerSecond).toFixed(2)),
      sealing_within_budget: sealedPerSecond / ledgerPerSecond >= 0.9,
      sealed_extra_us_per_event: Number(extraUs.toFixed(1)),
      sized_per_s: Math.round(sizedPerSecond),
      sized_of_clear: Number((sizedPerSecond / ledgerPerSecond).toFixed(2)),
      seal_us_per_event: Number(sealUs.toFixed(1)),
      cipher_us_per_event: Number(cipherUs.toFixed(1)),
      sealing_budget_us_per_event: Number(budgetUs.toFixed(1)),
      catchup_per_s: Math.round(catchup.perSecond),
      catchup_events: catchup.seen,
      load_per_s: Math.round(CATCHUP_EVENTS / loadSeconds),
      appenders: APPENDERS,
      measured_per_side: MEASURED_PER_SIDE,
      ratio_target_met: ledgerPerSecond / rawPerSecond >= 0.6,
      catchup_target_met: catchup.perSecond >= 20_000,
    };
  } finally {
    await personKeys?.close();
    await connection?.close();
    await raw.end();
    await database.drop();
  }
}
