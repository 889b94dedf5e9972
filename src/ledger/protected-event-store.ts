import { openSealed, parseSealed, type DataKey, type DestroyedKey, type SealedValue } from '../domain/keys/field-cipher.ts';
import { err, ok } from '../domain/result.ts';
import { OpeningThread, type OpeningJob } from './opening-thread.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { findSealed, openSpots, PERSONAL_DATA, type KeyScope, type Opened, type PersonRef, type SealedSpot } from '../domain/keys/personal-data.ts';
import type { StreamName } from '../domain/stream-name.ts';
import {
  countEventsUpTo,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type LedgerPosition,
  type NewEvent,
  type RecordedEvent,
  type StreamAppend,
  type AppendedWith,
  type WriteAlongside,
} from './event-store.ts';
import { findPersonalParts, sealPersonalParts } from './seal-personal-data.ts';

/** Where data keys come from: the key store beside the ledger tables (PersonKeyStore). */
export interface DataKeyProvider {
  /**
   * The live key of each (person, scope), in order, made and committed first where there is none,
   * and checked not destroyed: an erasure on another instance is seen before the next write.
   */
  liveKeys(requests: readonly { person: PersonRef; scope: KeyScope }[]): Promise<DataKey[]>;
  /** Keys by id, to open what they sealed: destroyed once the person was erased (or the month aged out). */
  keysById(keyIds: readonly string[]): Promise<Map<string, DataKey | DestroyedKey | null>>;
  /** Told of keys to stop using (destroyed, or all of them when erasures can no longer be heard). */
  onForget?(listener: (keyIds: readonly string[] | 'all') => void): () => void;
}

/** How many opened events are kept, so the lanes that read the same new events open each once. */
const OPENED_CACHE_SIZE = 5_000;

/**
 * The ledger as every part of the service sees it, with personal data sealed at rest: whatever
 * appends (intake, planner, dispatcher, commands) has the parts `PERSONAL_DATA` names sealed under
 * their person's key before the append, and whatever reads gets them opened, or `[erased]` where
 * the key is gone. Wraps any adapter, so PostgreSQL, PGlite and KurrentDB seal the same way.
 */
export class ProtectedEventStore implements EventStore {
  /**
   * Opened data by event id, with the keys it was opened with, in two generations: when the newer
   * fills, the older goes whole (no per-entry eviction on the hot path).
   */
  #opened = new Map<string, Remembered>();
  #older = new Map<string, Remembered>();
  readonly #stopForgetting: (() => void) | null;
  /** Grows with every key forgotten: data opened across one is not kept, its key may be gone. */
  #forgotten = 0;
  /**
   * What this store sealed, by event id: each ciphertext with the JSON it holds and its key. Its own
   * lanes read back what it appended (the planner's plans, the intake's receipts), and a value found
   * here is parsed instead of decrypted: the same JSON opening would give. Used only after the key
   * is found live; dropped with the key when it is forgotten. Two generations, like the opened events.
   */
  #sealed = new Map<string, SealedHere[]>();
  #olderSealed = new Map<string, SealedHere[]>();
  /** Opens large reads (a replay, a lane catching up) on a thread of its own; started on the first. */
  readonly #thread: OpeningThread | null;
  readonly #stats = { onThread: 0, fromOwnSeals: 0 };

  constructor(
    private readonly inner: EventStore,
    private readonly keys: DataKeyProvider,
    private readonly hashes: Pick<LedgerKeys, 'contactHash'>,
    options: {
      openingThread?: boolean;
      /** Told once if the opening thread fails: reads still answer, opened on the reading thread. */
      onOpeningThreadFailure?: (error: unknown) => void;
    } = {},
  ) {
    // Without word of erasures, nothing opened may be kept.
    this.#stopForgetting = keys.onForget ? keys.onForget((keyIds) => this.#forget(keyIds)) : null;
    this.#thread = options.openingThread === false ? null : new OpeningThread(options.onOpeningThreadFailure);
  }

  async append(stream: StreamName, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    return this.inner.append(stream, await this.#seal(events), expected);
  }

  async appendEach(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const { resealed } = await this.#sealAppends(appends);
    return this.inner.appendEach ? this.inner.appendEach(resealed) : Promise.all(resealed.map((a) => this.inner.append(a.stream, a.events, a.expected)));
  }

  /**
   * Sealed as every append is; `alongside` is given the events as a reader of this store gets them:
   * their data as appended here (what opening them gives) and `sealed` as the ledger holds it.
   */
  async appendEachWith(appends: readonly StreamAppend[], alongside: WriteAlongside): Promise<AppendedWith> {
    if (!this.inner.appendEachWith) throw new Error('this ledger cannot append with a write alongside');
    const { plain, sealed, resealed } = await this.#sealAppends(appends);
    return this.inner.appendEachWith(resealed, (pending) =>
      alongside(pending.map((event, i) => {
        const made = plain[i]!;
        // Nothing sealed in it: the ledger's data is what a reader gets.
        if (sealed[i]!.data === made.data) return event;
        return { ...event, data: JSON.parse(JSON.stringify(made.data)) as unknown, sealed: { data: JSON.parse(JSON.stringify(event.data)) as unknown } };
      })));
  }

  async *readStream(stream: StreamName, fromRevision?: bigint): AsyncIterable<RecordedEvent> {
    const batch: RecordedEvent[] = [];
    for await (const event of this.inner.readStream(stream, fromRevision)) batch.push(event);
    yield* await this.#open(batch);
  }

  async readStreams(streams: readonly StreamName[]): Promise<Map<string, RecordedEvent[]>> {
    const read = this.inner.readStreams
      ? await this.inner.readStreams(streams)
      : new Map(await Promise.all(streams.map(async (s) => {
        const events: RecordedEvent[] = [];
        for await (const e of this.inner.readStream(s)) events.push(e);
        return [s as string, events] as const;
      })));
    const opened = await this.#open([...read.values()].flat());
    const byId = new Map(opened.map((e) => [e.id, e]));
    return new Map([...read].map(([stream, events]) => [stream, events.map((e) => byId.get(e.id) ?? e)]));
  }

  async readAll(after: LedgerPosition | null, limit: number): Promise<RecordedEvent[]> {
    return this.#open(await this.inner.readAll(after, limit));
  }

  async *subscribeToAll(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<RecordedEvent> {
    if (this.inner.subscribeToAllPages) {
      for await (const page of this.subscribeToAllPages(after, signal)) yield* page;
      return;
    }
    for await (const event of this.inner.subscribeToAll(after, signal)) {
      const [opened] = await this.#open([event]);
      yield opened!;
    }
  }

  /** Each read opened whole: one trip to the key store and one pass for all of its events. */
  async *subscribeToAllPages(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<readonly RecordedEvent[]> {
    if (!this.inner.subscribeToAllPages) {
      for await (const event of this.subscribeToAll(after, signal)) yield [event];
      return;
    }
    for await (const page of this.inner.subscribeToAllPages(after, signal)) yield await this.#open(page);
  }

  headPosition(): Promise<LedgerPosition | null> {
    return this.inner.headPosition();
  }

  /** A count opens nothing: the ledger under counts, or is read through as it lies, sealed. */
  countUpTo(head: LedgerPosition): Promise<number> {
    return countEventsUpTo(this.inner, head);
  }

  /**
   * How this store opened sealed values so far: on its opening thread, and from what it sealed itself
   * (no cipher); the rest it opened inline.
   */
  openingStats(): { onThread: number; fromOwnSeals: number } {
    return { ...this.#stats };
  }

  /**
   * Whether this store sealed event `eventId` and has heard of no erasure of its keys since: the
   * data it gave alongside that append is still what a read would open. False for an event it did
   * not seal or no longer remembers: read it then.
   */
  sealedHereStillLive(eventId: string): boolean {
    return this.#sealed.has(eventId) || this.#olderSealed.has(eventId);
  }

  async close(): Promise<void> {
    this.#stopForgetting?.();
    await this.#thread?.close();
    return this.inner.close();
  }

  #forget(keyIds: readonly string[] | 'all'): void {
    this.#forgotten++;
    if (keyIds === 'all') {
      for (const kept of [this.#opened, this.#older, this.#sealed, this.#olderSealed]) kept.clear();
      return;
    }
    // Erasures are rare: a walk over the few thousand events kept is cheaper than an index kept on every read.
    const gone = new Set(keyIds);
    for (const generation of [this.#opened, this.#older]) {
      for (const [eventId, entry] of generation) if (entry.keyIds.some((keyId) => gone.has(keyId))) generation.delete(eventId);
    }
    for (const generation of [this.#sealed, this.#olderSealed]) {
      for (const [eventId, entries] of generation) if (entries.some((entry) => gone.has(entry.keyId))) generation.delete(eventId);
    }
  }

  /** The JSON inside `sealed` of event `eventId`, when this store sealed it. */
  #sealedHere(sealed: string, eventId: string): string | undefined {
    // A ciphertext opens only in its own event: one copied elsewhere is not found, goes through the cipher, and fails.
    const entries = this.#sealed.get(eventId) ?? this.#olderSealed.get(eventId);
    if (entries === undefined) return undefined;
    for (const entry of entries) if (entry.sealed === sealed) return entry.json;
    return undefined;
  }

  #recall(eventId: string): Remembered | undefined {
    return this.#opened.get(eventId) ?? this.#older.get(eventId);
  }

  #remember(eventId: string, data: unknown, keyIds: readonly string[], forgottenBefore: number): void {
    if (!this.#stopForgetting || keyIds.length === 0 || this.#forgotten !== forgottenBefore) return;
    this.#opened.set(eventId, { data, keyIds });
    if (this.#opened.size >= OPENED_CACHE_SIZE / 2) {
      this.#older = this.#opened;
      this.#opened = new Map();
    }
  }

  /** Every append's events sealed in one go: the events as given, as sealed, and the appends carrying them sealed. */
  async #sealAppends(appends: readonly StreamAppend[]): Promise<{ plain: NewEvent[]; sealed: NewEvent[]; resealed: StreamAppend[] }> {
    const plain = appends.flatMap((a) => a.events);
    const sealed = await this.#seal(plain);
    let next = 0;
    return { plain, sealed, resealed: appends.map((a) => ({ ...a, events: a.events.map(() => sealed[next++]!) })) };
  }

  /** Each event's personal parts sealed, with one trip to the key store for the whole batch. */
  async #seal(events: readonly NewEvent[]): Promise<NewEvent[]> {
    if (!this.#stopForgetting) return sealPersonalParts(events, findPersonalParts(events, this.hashes), this.keys);
    const forgottenBefore = this.#forgotten;
    const made = new Map<string, SealedHere[]>();
    const sealed = await sealPersonalParts(events, findPersonalParts(events, this.hashes), this.keys, (eventId, value, json, key) => {
      const entry = { sealed: value, keyId: key.keyId, json };
      const entries = made.get(eventId);
      if (entries) entries.push(entry);
      else made.set(eventId, [entry]);
    });
    // Kept only while no key was forgotten since the keys were handed out (one may be among them).
    if (this.#forgotten === forgottenBefore) {
      for (const [eventId, entries] of made) {
        this.#sealed.set(eventId, entries);
        if (this.#sealed.size >= SEALED_CACHE_EVENTS / 2) {
          this.#olderSealed = this.#sealed;
          this.#sealed = new Map();
        }
      }
    }
    return sealed;
  }

  /** Each event's sealed parts opened, with one trip to the key store for the keys not cached. */
  async #open(events: readonly RecordedEvent[], attempt = 0): Promise<RecordedEvent[]> {
    const forgottenBefore = this.#forgotten;
    // Every sealed value of the batch, found in one walk and taken apart once: its key id now, its
    // pieces when it opens. Opening then touches only the spots found.
    const sealedValues = new Map<string, SealedValue>();
    const isSealedValue = (value: string): boolean => {
      if (sealedValues.has(value)) return true;
      const sealed = parseSealed(value);
      if (sealed) sealedValues.set(value, sealed);
      return sealed !== null;
    };
    const keyIds = new Set<string>();
    let spotCount = 0;
    const found: (Remembered | Unopened | null)[] = events.map((event) => {
      if (!Object.hasOwn(PERSONAL_DATA, event.type)) return null;
      const cached = this.#recall(event.id);
      if (cached) return cached;
      const spots = findSealed(event.data, isSealedValue);
      const own = [...new Set(spots.map((spot) => sealedValues.get(spot.sealed)!.keyId))];
      for (const id of own) keyIds.add(id);
      const first = spotCount;
      spotCount += spots.length;
      return { spots, keyIds: own, first };
    });
    const keys = keyIds.size === 0 ? new Map<string, DataKey | DestroyedKey | null>() : await this.keys.keysById([...keyIds]);
    // Keys forgotten meanwhile (an erasure heard): what was kept or fetched may be gone; look again.
    if (this.#forgotten !== forgottenBefore && attempt < 3) return this.#open(events, attempt + 1);
    const liveKey = (sealed: SealedValue): DataKey | null => {
      const key = keys.get(sealed.keyId) ?? null;
      return key === null || 'destroyed' in key ? null : key;
    };
    const preOpened = await this.#openInBulk(events, found, spotCount, sealedValues, liveKey);
    return events.map((event, i) => {
      const at = found[i];
      if (!at) return event;
      if ('data' in at) return at.data === event.data ? event : { ...event, data: at.data, sealed: { data: event.data } };
      if (at.spots.length === 0) return event;
      let erased = false;
      // openSpots opens the spots in order, each once: the n-th call is spot `first + n`.
      let spot = at.first;
      const data = openSpots(event.data, at.spots, (value): Opened => {
        const bulk = preOpened?.[spot++];
        const sealed = sealedValues.get(value)!;
        const key = liveKey(sealed);
        if (key === null) {
          erased = true;
          return { ok: false, erased: true };
        }
        const own = bulk === undefined ? this.#sealedHere(value, event.id) : undefined;
        if (own !== undefined) this.#stats.fromOwnSeals++;
        const json = bulk ?? own;
        const opened = json !== undefined ? ok(JSON.parse(json) as unknown) : bulk === null ? err('does-not-open' as const) : openSealed(key, event.id, sealed);
        // A ciphertext that does not open under its own key was altered: the ledger must not pass it off as data.
        if (!opened.ok) throw new Error(`A sealed part of event ${event.id} does not open (${opened.error}): the ledger was altered`);
        return { ok: true, value: opened.value };
      });
      // Only what opened whole is kept: an erased part is read again (cheaply) rather than remembered.
      if (!erased) this.#remember(event.id, data, at.keyIds, forgottenBefore);
      return { ...event, data, sealed: { data: event.data } };
    });
  }

  /**
   * The plaintext of every spot with a live key, by its place in the batch, when the batch is large
   * enough for the opening thread; null to open inline (a small batch, or the thread failed).
   */
  async #openInBulk(
    events: readonly RecordedEvent[],
    found: readonly (Remembered | Unopened | null)[],
    spotCount: number,
    sealedValues: Map<string, SealedValue>,
    liveKey: (sealed: SealedValue) => DataKey | null,
  ): Promise<(string | null | undefined)[] | null> {
    if (!this.#thread?.takes(spotCount)) return null;
    const jobs: OpeningJob[] = [];
    const places: number[] = [];
    events.forEach((event, i) => {
      const at = found[i];
      if (!at || 'data' in at) return;
      at.spots.forEach((spot, n) => {
        const sealed = sealedValues.get(spot.sealed)!;
        const key = liveKey(sealed);
        if (key === null || this.#sealedHere(spot.sealed, event.id) !== undefined) return;
        jobs.push({ eventId: event.id, sealed, key });
        places.push(at.first + n);
      });
    });
    if (!this.#thread.takes(jobs.length)) return null;
    try {
      const out = await this.#thread.open(jobs);
      this.#stats.onThread += jobs.length;
      const preOpened = new Array<string | null | undefined>(spotCount);
      places.forEach((place, j) => (preOpened[place] = out[j]!));
      return preOpened;
    } catch {
      // The thread is gone: this batch, and every later one, opens inline.
      return null;
    }
  }
}

/** An event of a read still to open: where its sealed values sit, their keys, and its first spot's place in the read. */
interface Unopened {
  spots: SealedSpot[];
  keyIds: string[];
  first: number;
}

interface SealedHere {
  sealed: string;
  keyId: string;
  json: string;
}

/**
 * How many events this store keeps the JSON of what it sealed for: its lanes read an append back
 * within a second. Keyed by event id (a short string), not by ciphertext: hashing each ~200-character
 * ciphertext for the map cost an append loop 12 us an event, more than the cipher it saves.
 */
const SEALED_CACHE_EVENTS = 2_000;

interface Remembered {
  data: unknown;
  keyIds: readonly string[];
}
