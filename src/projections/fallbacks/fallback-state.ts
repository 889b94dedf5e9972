import type { Kysely } from 'kysely';
import type { FallbackSource } from '../../domain/notifications/fallback.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { loadFallbackSources, saveFallbackSources, saveFallbackWatches, type FallbackWatch } from './fallback-sources.queries.ts';

/**
 * The fallback sources and receipt watches of the planner: sources read once for a batch's
 * notifications, changed in memory as its events are folded, written together before the checkpoint.
 * Sources are kept from batch to batch (only this reaction changes them, through ledger events it
 * reads in order), a notification known to have none included: a notification's first event says
 * whether it has one (`begin`), so most notifications' sends and receipts need no read at all.
 * Watches are the batch's own.
 */
export class FallbackState {
  readonly #db: Kysely<ReadModelDatabase>;
  /** null: known to have none. */
  readonly #sources = new Map<string, FallbackSource | null>();
  readonly #changed = new Set<string>();
  readonly #watches = new Map<string, FallbackWatch>();
  readonly #ended = new Set<string>();

  constructor(db: Kysely<ReadModelDatabase>) {
    this.#db = db;
  }

  /** Loads, in one query, the sources of these notifications not known yet. */
  async load(ids: Iterable<string>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => !this.#sources.has(id));
    if (unknown.length === 0) return;
    for (const id of unknown) this.#sources.set(id, null);
    for (const source of await loadFallbackSources(this.#db, unknown)) this.#sources.set(source.notificationId, source);
  }

  /** A notification's first event: what it has (a source, or none) starts there, nothing stored before it. */
  begin(id: string, source: FallbackSource | null): void {
    if (source) this.put(source);
    else if (!this.#sources.has(id)) this.#sources.set(id, null);
  }

  async get(id: string): Promise<FallbackSource | null> {
    await this.load([id]);
    return this.#sources.get(id) ?? null;
  }

  put(source: FallbackSource): void {
    this.#sources.set(source.notificationId, source);
    this.#changed.add(source.notificationId);
  }

  watch(watch: FallbackWatch): void {
    this.#ended.delete(watch.notificationId);
    this.#watches.set(watch.notificationId, watch);
  }

  endWatch(id: string): void {
    this.#watches.delete(id);
    this.#ended.add(id);
  }

  async flush(): Promise<void> {
    const changed = [...this.#changed].flatMap((id) => this.#sources.get(id) ?? []);
    await Promise.all([saveFallbackSources(this.#db, changed), saveFallbackWatches(this.#db, [...this.#watches.values()], [...this.#ended])]);
    this.#changed.clear();
    this.#watches.clear();
    this.#ended.clear();
    // All written: what is forgotten is read again when next needed.
    if (this.#sources.size > SOURCES_KEPT) this.#sources.clear();
  }
}

const SOURCES_KEPT = 20_000;

export const fallbackState = batchStateKind('fallbacks', (db) => new FallbackState(db), { acrossBatches: true });
