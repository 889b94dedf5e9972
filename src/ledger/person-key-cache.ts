import type { DataKey, DestroyedKey } from '../domain/keys/field-cipher.ts';

export type CachedKey = { live: DataKey; slot: string } | { destroyed: DestroyedKey };

/**
 * Unwrapped keys and destroyed markers by key id, the least recently used dropped first once `bound`
 * is reached. A slot is a person and a scope: the cache remembers which live key it last saw for
 * each, and seeing another one for it later means the earlier one was destroyed, so it goes.
 */
export class PersonKeyCache {
  readonly #entries = new Map<string, CachedKey>();
  readonly #slots = new Map<string, string>();
  #hits = 0;
  #misses = 0;

  constructor(readonly bound: number) {
    if (!(bound >= 1)) throw new Error('the key cache holds at least one key');
  }

  get(keyId: string): CachedKey | undefined {
    const entry = this.#entries.get(keyId);
    if (!entry) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#entries.delete(keyId);
    this.#entries.set(keyId, entry);
    return entry;
  }

  /** The live key last seen for `slot`, without counting a use. */
  liveKeyOf(slot: string): DataKey | undefined {
    const keyId = this.#slots.get(slot);
    const entry = keyId === undefined ? undefined : this.#entries.get(keyId);
    return entry && 'live' in entry ? entry.live : undefined;
  }

  putLive(key: DataKey, slot: string): void {
    const before = this.#slots.get(slot);
    if (before !== undefined && before !== key.keyId) this.forget(before);
    this.#put(key.keyId, { live: key, slot });
    this.#slots.set(slot, key.keyId);
  }

  putDestroyed(destroyed: DestroyedKey): void {
    this.#put(destroyed.keyId, { destroyed });
  }

  forget(keyId: string): void {
    const entry = this.#entries.get(keyId);
    if (!entry) return;
    this.#entries.delete(keyId);
    if ('live' in entry && this.#slots.get(entry.slot) === keyId) this.#slots.delete(entry.slot);
  }

  clear(): void {
    this.#entries.clear();
    this.#slots.clear();
  }

  stats(): { size: number; bound: number; hits: number; misses: number } {
    return { size: this.#entries.size, bound: this.bound, hits: this.#hits, misses: this.#misses };
  }

  #put(keyId: string, entry: CachedKey): void {
    this.forget(keyId);
    this.#entries.set(keyId, entry);
    while (this.#entries.size > this.bound) this.forget(this.#entries.keys().next().value!);
  }
}
