import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../domain/clock.ts';
import { RETENTION_EVENT_TYPES, type ContentRetentionApplied } from '../domain/keys/retention-events.ts';
import { streamName } from '../domain/stream-name.ts';
import type { Logger } from '../telemetry/logger.ts';
import { readStreamToArray, type EventStore, type NewEvent } from './event-store.ts';
import { retentionCutoffMonth, type PersonKeyStore } from './person-key-store.ts';

export const RETENTION_INTERVAL_MS = 3600_000;

export interface ContentRetentionOptions {
  keys: Pick<PersonKeyStore, 'destroyContentKeysBefore'>;
  store: EventStore;
  clock: Clock;
  logger: Logger;
  /** RETENTION_DAYS_CONTENT: a month's content keys go once the month ended this many days ago. */
  retentionDays: number;
  /** Between runs; the first runs at start. */
  intervalMs?: number;
  metrics?: Registry;
}

/** What one run did: the first month kept, and how many keys it destroyed. */
export interface ContentRetentionRun {
  before: string;
  keysDestroyed: number;
}

/**
 * Destroys the content keys of months past retention, at start and then every hour, and records
 * each run that destroyed any as `ContentRetentionApplied` on `retention-content`.
 *
 * Every instance runs it. The destruction is one UPDATE of the keys still live, row-locked, so of
 * two instances running at once one destroys the keys and the other finds none left: only the first
 * records anything. A run whose record could not be appended (the ledger unreachable) keeps it and
 * appends it before destroying anything more, at the next run; an append that failed after its
 * commit is found in the stream by its event id, not recorded twice. A process that dies between the
 * destruction and the append loses the record; the key store still holds each key's destruction
 * time and reason.
 */
export class ContentRetention {
  readonly #options: ContentRetentionOptions;
  readonly #destroyed: Counter | null;
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  /** Runs one at a time: the timer's and a caller's `run()` queue behind each other. */
  #queue: Promise<unknown> = Promise.resolve();
  #unrecorded: { event: NewEvent; appendTried: boolean } | null = null;

  constructor(options: ContentRetentionOptions) {
    this.#options = options;
    this.#destroyed = options.metrics
      ? new Counter({ name: 'content_keys_destroyed_total', help: 'Content keys destroyed by retention.', registers: [options.metrics] })
      : null;
  }

  start(): void {
    const turn = () => {
      void this.run()
        .catch((error: unknown) => {
          // The key store or the ledger was unreachable: the next turn tries again.
          if (!this.#abort.signal.aborted) this.#options.logger.warn({ err: error }, 'content retention could not run; trying again at the next turn');
        })
        .finally(() => {
          if (!this.#abort.signal.aborted) this.#timer = setTimeout(turn, this.#options.intervalMs ?? RETENTION_INTERVAL_MS);
        });
    };
    turn();
  }

  /** One run now, after any in progress. Throws when the key store or the ledger could not be reached. */
  run(): Promise<ContentRetentionRun> {
    const next = this.#queue.then(() => this.#runOnce());
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#timer) clearTimeout(this.#timer);
    await this.#queue;
  }

  async #runOnce(): Promise<ContentRetentionRun> {
    const { clock, keys, retentionDays, logger } = this.#options;
    await this.#recordUnrecorded();
    const now = clock.now();
    const before = retentionCutoffMonth(now, retentionDays);
    const keysDestroyed = await keys.destroyContentKeysBefore(before, `retention: content older than ${retentionDays} days`);
    if (keysDestroyed === 0) return { before, keysDestroyed };
    this.#destroyed?.inc(keysDestroyed);
    logger.info({ before, keysDestroyed, retentionDays }, 'content keys past retention destroyed');
    const data: ContentRetentionApplied = { before, keysDestroyed, retentionDays, at: now.toISOString() };
    this.#unrecorded = { event: { id: randomUUID(), type: RETENTION_EVENT_TYPES.contentApplied, data, metadata: { actor: 'system' } }, appendTried: false };
    await this.#recordUnrecorded();
    return { before, keysDestroyed };
  }

  async #recordUnrecorded(): Promise<void> {
    const unrecorded = this.#unrecorded;
    if (!unrecorded) return;
    const stream = streamName.contentRetention();
    // The stream holds one event per run that destroyed keys: short enough to read whole.
    const alreadyThere = unrecorded.appendTried && (await readStreamToArray(this.#options.store, stream)).some((e) => e.id === unrecorded.event.id);
    if (!alreadyThere) {
      unrecorded.appendTried = true;
      const appended = await this.#options.store.append(stream, [unrecorded.event], 'any');
      if (!appended.ok) throw appended.error;
    }
    this.#unrecorded = null;
  }
}
