import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  KurrentDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type EventData,
  type JSONType,
  type ReadPosition,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import type { StreamName } from '../domain/stream-name.ts';
import { serializeAppend } from './append-input.ts';
import {
  LedgerInputError,
  LedgerUnavailable,
  WrongExpectedRevision,
  comparePositions,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type LedgerPosition,
  type NewEvent,
  type RecordedEvent,
} from './event-store.ts';
import { callWithin, translateError } from './kurrentdb-call.ts';

/** The metadata key that carries our event id; KurrentDB's own id is fresh for every append. */
const LEDGER_EVENT_ID = 'ledgerEventId';

export interface KurrentDbEventStoreOptions {
  /** How long any one call may take before the ledger counts as unavailable. */
  timeoutMs?: number;
  /** Events per read while paging through a stream or the log. */
  pageSize?: number;
}

/**
 * The ledger on KurrentDB (EventStoreDB) through its official gRPC client. KurrentDB keeps one
 * global log, so positions are its own (commit, prepare) pairs and gap-free by construction.
 * Every call runs under our own timeout and reports an unreachable server as `LedgerUnavailable`.
 *
 * KurrentDB answers an append whose event ids are already at the expected revision with success
 * (idempotent write), so two instances proposing the same deterministic id would both be told they
 * won. To keep the port's contract (exactly one winner, the others get `WrongExpectedRevision`, as
 * on PostgreSQL) each append is stored under fresh KurrentDB ids and our id travels in the
 * metadata under `ledgerEventId`; reads hand our id back and strip that key.
 */
export class KurrentDbEventStore implements EventStore {
  readonly #client: KurrentDBClient;
  readonly #timeoutMs: number;
  readonly #pageSize: number;

  private constructor(client: KurrentDBClient, options: KurrentDbEventStoreOptions) {
    this.#client = client;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /** Connects lazily: an unreachable server shows up as `LedgerUnavailable` on the first call, not here. */
  static connect(connectionString: string, options: KurrentDbEventStoreOptions = {}): KurrentDbEventStore {
    if (!/^kurrentdb(\+discover)?:\/\//.test(connectionString)) {
      throw new Error('A KurrentDB connection string starts with kurrentdb:// or kurrentdb+discover://');
    }
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString), options);
  }

  async append(stream: StreamName, events: readonly NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    serializeAppend(stream, events);
    const proposed: EventData[] = events.map((event) => ({
      id: randomUUID(),
      contentType: 'application/json',
      type: event.type,
      // The client writes JSON.stringify(data): any JSON value round-trips, though its type names only objects, arrays and strings.
      data: (event.data ?? null) as JSONType,
      metadata: { ...event.metadata, [LEDGER_EVENT_ID]: event.id },
    }));
    const streamState: AppendStreamState = expected === 'no-stream' ? NO_STREAM : expected === 'any' ? ANY : expected;
    try {
      const result = await this.#call(`append to ${stream}`, () =>
        this.#client.appendToStream(stream, proposed, { streamState, deadline: this.#timeoutMs }),
      );
      const position = result.position;
      // Only an idempotent re-append comes back without a position, and fresh ids never are one.
      if (!position) throw new Error(`KurrentDB accepted an append to ${stream} without saying where it is`);
      return { ok: true, nextRevision: result.nextExpectedRevision, position: { commit: position.commit, prepare: position.prepare } };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualState === NO_STREAM ? -1n : error.actualState;
        return { ok: false, error: new WrongExpectedRevision(stream, expected, actual) };
      }
      if (error instanceof MaxAppendSizeExceededError) {
        throw new LedgerInputError('event-too-large', `The append to ${stream} is over KurrentDB's limit of ${error.maxAppendSize} bytes`);
      }
      throw error;
    }
  }

  async *readStream(stream: StreamName, fromRevision = 0n): AsyncIterable<RecordedEvent> {
    let from = fromRevision;
    for (;;) {
      const page = await this.#call(`read ${stream}`, () =>
        collect(this.#client.readStream(stream, { fromRevision: from, maxCount: this.#pageSize, deadline: this.#timeoutMs })).catch(
          (error: unknown) => {
            if (error instanceof StreamNotFoundError) return [];
            throw error;
          },
        ),
      );
      for (const resolved of page) {
        const event = toRecorded(resolved);
        if (event) yield event;
      }
      const last = page.at(-1)?.event;
      if (page.length < this.#pageSize || !last) return;
      from = last.revision + 1n;
    }
  }

  async readAll(after: LedgerPosition | null, limit: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    let cursor = after;
    while (events.length < limit) {
      // A read from a position includes the event at it: ask for one more to still make progress.
      const maxCount = limit - events.length + 1;
      const page = await this.#call('read $all', () =>
        collect(this.#client.readAll({ fromPosition: cursor ?? START, maxCount, filter: excludeSystemEvents(), deadline: this.#timeoutMs })),
      );
      for (const resolved of page) {
        const position = positionOf(resolved);
        if (!position || (cursor && comparePositions(position, cursor) <= 0)) continue;
        cursor = position;
        const event = toRecorded(resolved);
        if (event && events.length < limit) events.push(event);
      }
      if (page.length < maxCount) break;
    }
    return events;
  }

  async *subscribeToAll(after: LedgerPosition | null, signal: AbortSignal): AsyncIterable<RecordedEvent> {
    if (signal.aborted) return;
    const subscription = this.#client.subscribeToAll({ fromPosition: after ?? START, filter: excludeSystemEvents() });
    // The server confirms a subscription before anything else; a silent one is as good as down.
    const unconfirmed = setTimeout(
      () => subscription.destroy(new LedgerUnavailable(`KurrentDB did not confirm a subscription to $all within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    subscription.once('confirmation', () => clearTimeout(unconfirmed));
    const stop = () => subscription.destroy();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const resolved of subscription) {
        clearTimeout(unconfirmed);
        const event = toRecorded(resolved);
        if (!event || (after && comparePositions(event.position, after) <= 0)) continue;
        if (signal.aborted) return;
        yield event;
      }
    } catch (error) {
      if (signal.aborted) return;
      throw translateError(error, 'keep the subscription to $all');
    } finally {
      clearTimeout(unconfirmed);
      signal.removeEventListener('abort', stop);
      subscription.unsubscribe().catch(() => undefined);
      subscription.destroy();
    }
    if (!signal.aborted) throw new LedgerUnavailable('KurrentDB ended the subscription to $all');
  }

  async headPosition(): Promise<LedgerPosition | null> {
    let from: ReadPosition = END;
    let cursor: LedgerPosition | null = null;
    for (;;) {
      const page = await this.#call('read the head of $all', () =>
        collect(this.#client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: this.#pageSize, filter: excludeSystemEvents(), deadline: this.#timeoutMs })),
      );
      for (const resolved of page) {
        const event = toRecorded(resolved);
        if (event) return event.position;
        cursor = positionOf(resolved) ?? cursor;
      }
      if (page.length < this.#pageSize || !cursor) return null;
      from = cursor;
    }
  }

  async close(): Promise<void> {
    // Closing a client whose server is gone has nothing left to release; it must not fail shutdown.
    await this.#call('close the client', () => this.#client.dispose()).catch(() => undefined);
  }

  #call<T>(what: string, call: () => Promise<T>): Promise<T> {
    return callWithin(this.#timeoutMs, what, call);
  }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

function positionOf(resolved: ResolvedEvent | AllStreamResolvedEvent): LedgerPosition | null {
  const position = resolved.event?.position;
  return position ? { commit: position.commit, prepare: position.prepare } : null;
}

/** Our event, or null for what KurrentDB writes for itself (`$`-prefixed streams and types). */
function toRecorded(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || event.streamId.startsWith('$') || event.type.startsWith('$')) return null;
  const position = positionOf(resolved);
  if (!position) throw new Error(`KurrentDB returned ${event.streamId}@${event.revision} without a position; servers before 22.6 are not supported`);
  const { [LEDGER_EVENT_ID]: ledgerId, ...metadata } = isMetadata(event.metadata) ? event.metadata : {};
  return {
    id: typeof ledgerId === 'string' ? ledgerId : event.id,
    stream: event.streamId,
    revision: event.revision,
    position,
    type: event.type,
    data: event.data,
    metadata,
    recordedAt: event.created,
  };
}

function isMetadata(value: unknown): value is EventMetadata {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
