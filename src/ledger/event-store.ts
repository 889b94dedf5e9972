import type { RawBuilder } from 'kysely';
import type { StreamName } from '../domain/stream-name.ts';

/**
 * Where an event sits in the global order. PostgreSQL: (transaction id, global position);
 * KurrentDB: (commit, prepare). Compare only with `comparePositions`.
 */
export interface LedgerPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type ExpectedRevision = 'no-stream' | 'any' | bigint;

export interface EventMetadata {
  /** The inbound eventId that started it all. */
  correlationId?: string;
  /** The ledger event id this one follows from. */
  causationId?: string;
  /** Who made an admin change; `system` for what the service decides on its own. */
  actor?: string;
  [key: string]: unknown;
}

export interface NewEvent {
  /** A UUID. Derive it deterministically where a retry must not make a second event. */
  id: string;
  type: string;
  data: unknown;
  metadata?: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  stream: string;
  revision: bigint;
  position: LedgerPosition;
  type: string;
  data: unknown;
  metadata: EventMetadata;
  recordedAt: Date;
  /**
   * Where personal parts were opened for reading (ProtectedEventStore): the data as the ledger holds
   * it, sealed. Read models copy sealed parts from it (sealed-cell.ts).
   */
  sealed?: { data: unknown };
}

export type AppendResult =
  | { ok: true; nextRevision: bigint; position: LedgerPosition }
  | { ok: false; error: WrongExpectedRevision };

export class WrongExpectedRevision extends Error {
  override readonly name = 'WrongExpectedRevision';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** -1n when the stream does not exist. */
    readonly actual: bigint,
  ) {
    super(`Stream ${stream}: expected revision ${String(expected)}, found ${actual === -1n ? 'no stream' : String(actual)}`);
  }
}

/** Bad input to the ledger: a malformed stream name, an oversized or empty append. Nothing was written. */
export class LedgerInputError extends Error {
  override readonly name = 'LedgerInputError';
  constructor(
    readonly code: 'invalid-stream-name' | 'event-too-large' | 'empty-append' | 'invalid-event',
    message: string,
  ) {
    super(message);
  }
}

/** The ledger could not be reached or did not answer in time; the caller may retry later. */
export class LedgerUnavailable extends Error {
  override readonly name = 'LedgerUnavailable';
}

/** The immutable, ordered, replayable record every other part appends to and reads from. */
export interface EventStore {
  /** Appends atomically at the expected revision; a lost race is a value, not an exception. */
  append(stream: StreamName, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult>;
  /**
   * Optional: independent appends to several streams in one round trip and one commit. Each
   * succeeds or loses its race on its own expected revision; the answers are in the same order.
   * Callers go through `appendEach`, which falls back to one append each.
   */
  appendEach?(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /**
   * Optional, where the ledger and the read models share one database: `appendEach` with a write of
   * the caller's in the same statement, so read-model rows are current the moment the appends commit,
   * at no round trip of their own. `alongside` is given the events as a reader will get them, each
   * with its append's place and the revision it takes (appends at an expected revision or to a new
   * stream), and answers a data-modifying statement, or null for none. That statement may read
   * `appended(ord, ok)`, each append's place (from 1) and whether it was made, and take `now()` as
   * the events' recorded time; the answers carry that time too.
   */
  appendEachWith?(appends: readonly StreamAppend[], alongside: WriteAlongside): Promise<AppendedWith>;
  /** The stream's events in revision order, from `fromRevision` (inclusive). Empty when it does not exist. */
  readStream(stream: StreamName, fromRevision?: bigint): AsyncIterable<RecordedEvent>;
  /**
   * Several short streams whole, in one go where the adapter can; callers go through
   * `readStreamsToMap`, which falls back to one read each.
   */
  readStreams?(streams: readonly StreamName[]): Promise<Map<string, RecordedEvent[]>>;
  /** Up to `limit` events after `after` (exclusive; null = from the start), in global order, gap-free. */
  readAll(after: LedgerPosition | null, limit: number): Promise<RecordedEvent[]>;
  /** Every event after `after`, then the live tail, until the signal aborts. */
  subscribeToAll(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<RecordedEvent>;
  /**
   * Optional: `subscribeToAll` a read at a time (never an empty one), for a reader that does
   * something per read (opening sealed data with one trip to the key store) rather than per event.
   */
  subscribeToAllPages?(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<readonly RecordedEvent[]>;
  /** The position of the newest event a reader can see now, or null for an empty ledger. */
  headPosition(): Promise<LedgerPosition | null>;
  /**
   * Optional: how many events there are up to `head` (inclusive), counted where they lie, without
   * reading them out (a rebuild's progress); callers fall back to reading the ledger through.
   */
  countUpTo?(head: LedgerPosition): Promise<number>;
  close(): Promise<void>;
}

/** An event of an append about to be made, as a reader will get it, but for where and when it lands. */
export type PendingEvent = Omit<RecordedEvent, 'position' | 'recordedAt'> & {
  /** Its append's place among those made together, from 0. */
  append: number;
};

/** What a store appending with a write alongside is given; the write, or null for none. */
export type WriteAlongside = (events: readonly PendingEvent[]) => RawBuilder<unknown> | null;

export interface AppendedWith {
  results: AppendResult[];
  /** The time every event of the statement was recorded at. */
  recordedAt: Date;
}

export interface StreamAppend {
  stream: StreamName;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
}

/** Many small appends (one reminder fate each, say) at the cost of one where the adapter can. */
export function appendEach(store: EventStore, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  if (appends.length === 0) return Promise.resolve([]);
  return store.appendEach ? store.appendEach(appends) : Promise.all(appends.map((a) => store.append(a.stream, a.events, a.expected)));
}

/** Largest JSON size of one event's data and metadata. */
export const MAX_EVENT_BYTES = 1024 * 1024;

export function comparePositions(a: LedgerPosition, b: LedgerPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export const formatPosition = (p: LedgerPosition): string => `${p.commit}/${p.prepare}`;

export function parsePosition(text: string): LedgerPosition | null {
  const match = /^(\d{1,20})\/(\d{1,20})$/.exec(text);
  return match ? { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) } : null;
}

/** Several short streams whole (the notifications a dispatcher just claimed), keyed by stream name. */
export async function readStreamsToMap(store: EventStore, streams: readonly StreamName[]): Promise<Map<string, RecordedEvent[]>> {
  if (store.readStreams) return store.readStreams(streams);
  const entries = await Promise.all(streams.map(async (stream) => [stream, await readStreamToArray(store, stream)] as const));
  return new Map(entries);
}

/**
 * How many events there are up to `head` (inclusive): counted where they lie when the store can,
 * else read through in pages (as they are stored: a sealing store's inner ledger, unopened).
 */
export async function countEventsUpTo(store: Pick<EventStore, 'readAll' | 'countUpTo'>, head: LedgerPosition): Promise<number> {
  if (store.countUpTo) return store.countUpTo(head);
  const page = 5000;
  let count = 0;
  for (let after: LedgerPosition | null = null; ;) {
    const batch = await store.readAll(after, page);
    for (const event of batch) {
      if (comparePositions(event.position, head) > 0) return count;
      count++;
    }
    if (batch.length < page) return count;
    after = batch.at(-1)!.position;
  }
}

/** Reads a whole stream into memory; for streams known to be short (an inbound event, a notification). */
export async function readStreamToArray(store: EventStore, stream: StreamName, fromRevision?: bigint): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream, fromRevision)) events.push(event);
  return events;
}
