import { sql, type Kysely } from 'kysely';
import { backoffDelayMs } from '../domain/backoff.ts';
import type { StreamName } from '../domain/stream-name.ts';
import type { Logger } from '../telemetry/logger.ts';
import { serializeAppend } from './append-input.ts';
import { AppendBatcher } from './append-batcher.ts';
import {
  WrongExpectedRevision,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type LedgerPosition,
  type NewEvent,
  type RecordedEvent,
  type StreamAppend,
  type AppendedWith,
  type PendingEvent,
  type WriteAlongside,
} from './event-store.ts';
import { ledgerMigrations } from './migrations/ledger-migrations.ts';
import { runMigrations } from './run-migrations.ts';
import type { SqlConnection } from './sql-connection.ts';
import { waitForWake } from './wait-for-wake.ts';

interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_name: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: unknown;
  metadata: EventMetadata;
  recorded_at: Date;
}

export interface PostgresEventStoreOptions {
  /** Rows per read while catching up. */
  batchSize?: number;
  /** How often a live subscriber looks without being woken: the fallback when a notification is lost. */
  pollIntervalMs?: number;
  /** Told when one transaction has held committed events back from readers for `heldBackWarnMs`, and when it ends. */
  logger?: Logger;
  /** Default 10 s: far beyond any append's own transaction. */
  heldBackWarnMs?: number;
}

const ZERO: LedgerPosition = { commit: 0n, prepare: 0n };

/**
 * Wakes other processes when the append commits, from the append's own statement ($5 channel, $6
 * payload): a NOTIFY of its own is a round trip and a transaction more per append. PostgreSQL
 * delivers one notification per transaction however many rows call it.
 */
const NOTIFY_COLUMN = ', (case when r.ok then pg_notify($5, $6) end) is null as quiet';

/** A subscriber's read: the events, and whether committed events wait behind a transaction still running. */
interface ReadBatch {
  events: RecordedEvent[];
  unstableTail: boolean;
  /** The oldest transaction still running on the server when read (what holds a waiting tail back). */
  horizon: string | null;
}

/** Who holds the ledger's readers back: the server's oldest transaction with an id, as far as this role may see it. */
const oldestTransaction = sql<Record<string, unknown>>`
  select pid, datname as database, application_name as application, state,
         round(extract(epoch from now() - xact_start))::int as seconds
    from pg_stat_activity
   where backend_xid is not null
   order by age(backend_xid) desc
   limit 1`;
/** Looks behind a transaction still running: 1, 2, 4, then every 8 ms, without jitter (one reader, no crowd). */
const PENDING_TAIL_BACKOFF = { baseMs: 1, maxMs: 8 };
/** Looks (about two seconds of them) after which a hold is no append's own commit: then every 100 ms. */
const LONG_HOLD_LOOKS = 250;
const LONG_HOLD_LOOK_MS = 100;

/**
 * The ledger on PostgreSQL (a server or embedded PGlite). Appends are one statement through
 * `ledger_append`; readers see the global order gap-free by reading only transactions older than
 * the oldest still running, ordered by (transaction id, position).
 */
export class PostgresEventStore implements EventStore {
  readonly #db: Kysely<unknown>;
  readonly #connection: SqlConnection;
  readonly #batchSize: number;
  readonly #pollIntervalMs: number;
  /** Pokes seen so far: a read started at the same count has seen every append made since (see #sharedRead). */
  #pokes = 0;
  /** Subscribers' reads in flight, by the position they read after. */
  readonly #reading = new Map<string, { pokes: number; batch: Promise<ReadBatch> }>();
  readonly #logger: Logger | null;
  readonly #heldBackWarnMs: number;
  /** Since when committed events have waited behind the same running transaction, and whether that was told. */
  #heldBack: { horizon: string; since: number; told: boolean } | null = null;

  readonly #batcher = new AppendBatcher<PreparedAppend>({
    concurrency: 4,
    maxBatch: 200,
    one: (a) => this.#appendOne(a),
    many: (appends) => this.#appendPrepared(appends),
  });

  private constructor(connection: SqlConnection, options: PostgresEventStoreOptions) {
    this.#connection = connection;
    this.#db = connection.db;
    this.#batchSize = options.batchSize ?? 2000;
    this.#pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.#logger = options.logger ?? null;
    this.#heldBackWarnMs = options.heldBackWarnMs ?? 10_000;
    // Before any subscriber's listener: the count has moved by the time a poke wakes one.
    connection.onPoke(() => {
      this.#pokes++;
    });
  }

  static async open(connection: SqlConnection, options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    await runMigrations(connection.db, 'ledger_migration', ledgerMigrations);
    return new PostgresEventStore(connection, options);
  }

  async append(stream: StreamName, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    // Bad input is refused here, before it can share a statement with anyone else's append.
    return this.#batcher.submit(prepareAppend({ stream, events, expected }));
  }

  async #appendOne(append: PreparedAppend): Promise<AppendResult> {
    const { stream, expected, payload, isAny, expectedRevision } = append;
    const { notice } = this.#connection;
    const [row] = await this.#connection.run<AppendRow>({
      name: notice ? 'ledger_append_notify' : 'ledger_append',
      text: `select r.*${notice ? NOTIFY_COLUMN : ''} from ledger_append($1, $2::bigint, $3, $4::jsonb) r`,
      values: [stream, expectedRevision, isAny, payload, ...(notice ? [notice.channel, notice.payload] : [])],
    });
    if (!row) throw new Error('ledger_append returned no row');
    const result = toAppendResult(row, stream, expected);
    if (result.ok) this.#connection.poke({ notified: notice !== null });
    return result;
  }

  /** ledger_append once per append, in one statement: one transaction, one commit, one answer each. */
  async appendEach(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    return this.#appendPrepared(appends.map(prepareAppend));
  }

  /**
   * `appendEach` and the caller's write in one statement: the appends in a CTE the write reads
   * (`appended`: materialized, so each append is made once whoever reads it), then the write.
   */
  async appendEachWith(appends: readonly StreamAppend[], alongside: WriteAlongside): Promise<AppendedWith> {
    if (appends.length === 0) return { results: [], recordedAt: new Date() };
    const prepared = appends.map(prepareAppend);
    const write = alongside(prepared.flatMap((a, i) => pendingEvents(a, i)));
    const { notice } = this.#connection;
    const { rows } = await sql<AppendRow & { ord: string | number; recorded_at: Date | string }>`
      with appended as materialized (
        select a.ord, r.*
          from unnest(${prepared.map((a) => a.stream)}::text[], ${prepared.map((a) => a.expectedRevision)}::bigint[],
                      ${prepared.map((a) => a.isAny)}::boolean[], ${prepared.map((a) => a.payload)}::jsonb[])
               with ordinality as a(stream, expected, is_any, events, ord)
         cross join lateral ledger_append(a.stream, a.expected, a.is_any, a.events) r
      )${write ? sql`, alongside as (${write})` : sql``}
      select appended.*, now() as recorded_at,
             ${notice ? sql`(case when ok then pg_notify(${notice.channel}, ${notice.payload}) end) is null` : sql`true`} as quiet
        from appended
       order by ord
    `.execute(this.#db);
    if (rows.length !== prepared.length) throw new Error(`ledger_append answered ${rows.length} of ${prepared.length} appends`);
    const results = rows.map((row, i) => toAppendResult(row, prepared[i]!.stream, prepared[i]!.expected));
    if (results.some((r) => r.ok)) this.#connection.poke({ notified: notice !== null });
    return { results, recordedAt: new Date(rows[0]!.recorded_at) };
  }

  async #appendPrepared(appends: readonly PreparedAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0) return [];
    const { notice } = this.#connection;
    const rows = await this.#connection.run<AppendRow & { ord: string | number }>({
      name: notice ? 'ledger_append_each_notify' : 'ledger_append_each',
      text: `select a.ord, r.*${notice ? NOTIFY_COLUMN : ''}
               from unnest($1::text[], $2::bigint[], $3::boolean[], $4::jsonb[]) with ordinality as a(stream, expected, is_any, events, ord)
               cross join lateral ledger_append(a.stream, a.expected, a.is_any, a.events) r
              order by a.ord`,
      values: [
        appends.map((a) => a.stream), appends.map((a) => a.expectedRevision), appends.map((a) => a.isAny), appends.map((a) => a.payload),
        ...(notice ? [notice.channel, notice.payload] : []),
      ],
    });
    if (rows.length !== appends.length) throw new Error(`ledger_append answered ${rows.length} of ${appends.length} appends`);
    const results = rows.map((row, i) => toAppendResult(row, appends[i]!.stream, appends[i]!.expected));
    if (results.some((r) => r.ok)) this.#connection.poke({ notified: notice !== null });
    return results;
  }

  async *readStream(stream: StreamName, fromRevision = 0n): AsyncIterable<RecordedEvent> {
    let from = fromRevision;
    for (;;) {
      const { rows } = await sql<EventRow>`
        select global_position::text, transaction_id::text, stream_name, stream_revision::text, event_id::text,
               event_type, data, metadata, recorded_at
          from ledger_events e
         where stream_name = ${stream} and stream_revision >= ${from.toString()}::bigint
         order by e.stream_revision
         limit ${this.#batchSize}
      `.execute(this.#db);
      for (const row of rows) yield toRecorded(row);
      if (rows.length < this.#batchSize) return;
      from = BigInt(rows.at(-1)!.stream_revision) + 1n;
    }
  }

  async readStreams(streams: readonly StreamName[]): Promise<Map<string, RecordedEvent[]>> {
    const found = new Map<string, RecordedEvent[]>(streams.map((s) => [s, []]));
    if (streams.length === 0) return found;
    const { rows } = await readStreamsStatement(streams).execute(this.#db);
    for (const row of rows) found.get(row.stream_name)?.push(toRecorded(row));
    return found;
  }

  async readAll(after: LedgerPosition | null, limit: number): Promise<RecordedEvent[]> {
    return (await this.#readBatch(after, limit)).events;
  }

  async *subscribeToAll(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<RecordedEvent> {
    for await (const page of this.subscribeToAllPages(after, signal)) {
      for (const event of page) {
        if (signal.aborted) return;
        yield event;
      }
    }
  }

  async *subscribeToAllPages(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<readonly RecordedEvent[]> {
    let cursor = after;
    // Set by a poke; a poke that lands while we read means there may be more to read at once.
    const poked = { since: false, wake: null as (() => void) | null };
    const off = this.#connection.onPoke(() => {
      poked.since = true;
      poked.wake?.();
    });
    let pendingLooks = 0;
    try {
      while (!signal.aborted) {
        poked.since = false;
        const { events, unstableTail, horizon } = await this.#sharedRead(cursor);
        if (signal.aborted) return;
        if (events.length > 0) {
          yield events;
          cursor = events.at(-1)!.position;
        }
        if (events.length === this.#batchSize) continue;
        this.#noteTail(unstableTail ? horizon : null);
        if (unstableTail) {
          // Committed events wait behind a transaction still running. New appends cannot hurry it,
          // so pokes are ignored here: look again after a short, growing pause, and seldom once the
          // hold has lasted (a transaction left open: see #noteTail).
          const pauseMs = pendingLooks >= LONG_HOLD_LOOKS ? LONG_HOLD_LOOK_MS : backoffDelayMs(pendingLooks, PENDING_TAIL_BACKOFF, 1);
          pendingLooks++;
          await waitForWake(pauseMs, signal, () => undefined);
          continue;
        }
        pendingLooks = 0;
        if (poked.since) continue;
        await waitForWake(this.#pollIntervalMs, signal, (resolve) => {
          poked.wake = resolve;
        });
        poked.wake = null;
      }
    } finally {
      off();
    }
  }

  async headPosition(): Promise<LedgerPosition | null> {
    const { rows } = await sql<{ transaction_id: string; global_position: string }>`
      select transaction_id::text, global_position::text
        from ledger_events e
       where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       order by e.transaction_id desc, e.global_position desc
       limit 1
    `.execute(this.#db);
    const row = rows[0];
    return row ? { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) } : null;
  }

  async countUpTo(head: LedgerPosition): Promise<number> {
    const { rows } = await sql<{ count: string }>`
      select count(*)::text as count
        from ledger_events e
       where (e.transaction_id, e.global_position) <= (${head.commit.toString()}::xid8, ${head.prepare.toString()}::bigint)
    `.execute(this.#db);
    return Number(rows[0]!.count);
  }

  async close(): Promise<void> {
    // The connection belongs to whoever opened it; the store holds nothing of its own.
  }

  /**
   * The next batch after `after` for a subscriber, read once for every subscriber at that position:
   * the lanes of a quiet service are woken by the same append and read the same events at the same
   * moment. A subscriber joins a read still in flight only if no poke came since it started (a poke
   * comes after every append commits), so a joined read never misses an append the subscriber was woken for.
   */
  #sharedRead(after: LedgerPosition | null): Promise<ReadBatch> {
    const key = after ? `${after.commit}/${after.prepare}` : '';
    const inFlight = this.#reading.get(key);
    if (inFlight && inFlight.pokes === this.#pokes) return inFlight.batch;
    const entry = { pokes: this.#pokes, batch: this.#readBatch(after, this.#batchSize) };
    this.#reading.set(key, entry);
    const done = () => {
      if (this.#reading.get(key) === entry) this.#reading.delete(key);
    };
    entry.batch.then(done, done);
    return entry.batch;
  }

  async #readBatch(after: LedgerPosition | null, limit: number): Promise<ReadBatch> {
    // Prepared once per pooled connection: every subscription runs this read again and again.
    const read = ledgerReadStatement(after ?? ZERO, limit).compile(this.#db);
    const rows = await this.#connection.run<EventRow & { waiting: boolean | null; horizon: string | null }>({ name: 'ledger_read', text: read.sql, values: [...read.parameters] });
    const events = rows.filter((r) => r.waiting === null).map(toRecorded);
    const waiting = rows.some((r) => r.waiting === true);
    return { events, unstableTail: events.length < limit && waiting, horizon: rows.at(-1)?.horizon ?? null };
  }

  /**
   * A tail held back by one transaction for long (a write left open anywhere on the server, in any
   * database: the horizon is the server's) stops every lane, so nothing is planned or sent until it
   * ends. Said once when it passes `heldBackWarnMs`, with who holds it, and once when it is over.
   */
  #noteTail(horizon: string | null): void {
    const now = performance.now();
    const held = this.#heldBack;
    if (horizon === null || held?.horizon !== horizon) {
      if (held?.told) this.#logger?.info({ heldForMs: Math.round(now - held.since), transaction: held.horizon }, 'ledger readers no longer held back');
      this.#heldBack = horizon === null ? null : { horizon, since: now, told: false };
      return;
    }
    if (held.told || now - held.since < this.#heldBackWarnMs || !this.#logger) return;
    held.told = true;
    const logger = this.#logger;
    void oldestTransaction.execute(this.#db)
      .then(({ rows: [holder] }) => holder ?? null, () => null)
      .then((holder) => logger.warn(
        { heldForMs: Math.round(now - held.since), transaction: held.horizon, holder },
        'ledger readers held back: committed events wait behind a transaction still running on this PostgreSQL server (any database); nothing is planned or sent until it ends',
      ));
  }
}

/**
 * The events after `from` in global order, at most `limit`, and only what no running transaction
 * can still precede: below the oldest running transaction id. The last row answers whether
 * committed events wait behind a transaction still running (then the caller looks again soon).
 * Both parts are index probes whatever the ledger's size: the horizon reaches each as a value
 * (an init plan), and the waiting test reads the newest transaction id off the index's end; an
 * `exists` over a join with the horizon was planned as a scan of the whole ledger on every read.
 */
export function ledgerReadStatement(from: LedgerPosition, limit: number) {
  return sql<EventRow & { waiting: boolean | null; horizon: string | null }>`
    with horizon as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin)
    (select global_position::text, transaction_id::text, stream_name, stream_revision::text, event_id::text,
            event_type, data, metadata, recorded_at, null::boolean as waiting, null::text as horizon
       from ledger_events e
      where (e.transaction_id, e.global_position) > (${from.commit.toString()}::xid8, ${from.prepare.toString()}::bigint)
        and e.transaction_id < (select xmin from horizon)
      order by e.transaction_id, e.global_position
      limit ${limit})
    union all
    select null, null, null, null, null, null, null, null, null,
           coalesce((select w.transaction_id from ledger_events w order by w.transaction_id desc limit 1) >= (select xmin from horizon), false),
           (select xmin from horizon)::text
  `;
}

/**
 * Every event of each stream named, stream by stream in revision order. Each stream is its own
 * index probe whatever the statistics say: `offset 0` keeps the lateral read from being merged
 * into one plan, which, with a long list and no statistics (autovacuum off), was a scan of the
 * whole ledger and a sort, every time the dispatcher claimed.
 */
export function readStreamsStatement(streams: readonly string[]) {
  return sql<EventRow>`
    select e.global_position::text, e.transaction_id::text, e.stream_name, e.stream_revision::text, e.event_id::text,
           e.event_type, e.data, e.metadata, e.recorded_at
      from unnest(${[...streams]}::text[]) with ordinality as s(name, ord)
      cross join lateral (
        select * from ledger_events w where w.stream_name = s.name order by w.stream_revision offset 0
      ) e
     order by s.ord, e.stream_revision
  `;
}

interface AppendRow {
  ok: boolean;
  revision: string | number | null;
  transaction_id: string | null;
  global_position: string | null;
}

/** An append checked and serialized once, when it is made; the statement that carries it reuses the text. */
interface PreparedAppend extends StreamAppend {
  payload: string;
  isAny: boolean;
  expectedRevision: string | null;
}

function prepareAppend({ stream, events, expected }: StreamAppend): PreparedAppend {
  const payload = `[${serializeAppend(stream, events)
    .map((e) => `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"data":${e.data},"metadata":${e.metadata}}`)
    .join(',')}]`;
  const expectedRevision = expected === 'no-stream' ? '-1' : expected === 'any' ? null : expected.toString();
  return { stream, events, expected, payload, isAny: expected === 'any', expectedRevision };
}

/** The events of an append as a reader will get them, at the revisions they take. */
function pendingEvents(append: PreparedAppend, index: number): PendingEvent[] {
  const { expected } = append;
  if (expected === 'any') throw new Error(`an append with a write alongside needs an expected revision (${append.stream})`);
  const first = expected === 'no-stream' ? 0n : expected + 1n;
  return append.events.map((event, i) => ({
    id: event.id,
    stream: append.stream,
    revision: first + BigInt(i),
    type: event.type,
    data: event.data,
    metadata: event.metadata ?? {},
    append: index,
  }));
}

function toAppendResult(row: AppendRow, stream: string, expected: ExpectedRevision): AppendResult {
  if (!row.ok) return { ok: false, error: new WrongExpectedRevision(stream, expected, BigInt(row.revision ?? -1)) };
  return {
    ok: true,
    nextRevision: BigInt(row.revision!),
    position: { commit: BigInt(row.transaction_id!), prepare: BigInt(row.global_position!) },
  };
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    stream: row.stream_name,
    revision: BigInt(row.stream_revision),
    position: { commit: BigInt(row.transaction_id), prepare: BigInt(row.global_position) },
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}
