import { describe, expect, it } from 'vitest';
import type { DataKey } from '../../src/domain/keys/field-cipher.ts';
import { PersonKeyCache } from '../../src/ledger/person-key-cache.ts';

const key = (n: number): DataKey => ({ keyId: `k${n}`, key: Buffer.alloc(32, n) });

describe('the person key cache', () => {
  it('holds at most its bound, dropping the least recently used first', () => {
    const cache = new PersonKeyCache(2);
    cache.putLive(key(1), 'a');
    cache.putLive(key(2), 'b');
    cache.get('k1');
    cache.putLive(key(3), 'c');
    expect(cache.get('k2')).toBeUndefined();
    expect(cache.get('k1')).toEqual({ live: key(1), slot: 'a' });
    expect(cache.stats()).toEqual({ size: 2, bound: 2, hits: 2, misses: 1 });
    // A dropped key's slot no longer names it.
    expect(cache.liveKeyOf('b')).toBeUndefined();
  });

  it('forgets a live key once another is seen live for the same person and scope', () => {
    const cache = new PersonKeyCache(10);
    cache.putLive(key(1), 'a');
    cache.putLive(key(2), 'a');
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.liveKeyOf('a')).toEqual(key(2));
  });

  it('replaces a live key by its destroyed marker, which no slot names', () => {
    const cache = new PersonKeyCache(10);
    cache.putLive(key(1), 'a');
    const destroyed = { destroyed: true as const, keyId: 'k1', at: new Date('2026-12-01T00:00:00Z'), reason: 'consent withdrawn' };
    cache.putDestroyed(destroyed);
    expect(cache.get('k1')).toEqual({ destroyed });
    expect(cache.liveKeyOf('a')).toBeUndefined();
    expect(() => new PersonKeyCache(0)).toThrow(/at least one/);
  });
});
