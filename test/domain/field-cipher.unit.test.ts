import { describe, expect, it } from 'vitest';
import { isSealed, keyIdOf, openJson, sealJson, unwrapDataKey, wrapDataKey, type DataKey } from '../../src/domain/keys/field-cipher.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';

const key: DataKey = { keyId: '0b6f3c1e-58d4-4f0e-9c55-2a7d4e1f9a10', key: Buffer.alloc(32, 7) };
const otherKey: DataKey = { keyId: key.keyId, key: Buffer.alloc(32, 8) };
const eventId = 'evt-3f1c';
const patient = {
  id: 'p-17',
  name: 'Anaïs Ñúñez 李小龍',
  phone: '+919876543210',
  email: 'asha@example.com',
  // What upstream may add one day: kept whole, whatever it holds.
  extra: { emergency: { contact: 'Ravi 🙂', priority: [1, 2, { nested: null }] }, flag: true },
};

/** One bit of the byte at `index` flipped in the ciphertext part, decoded and encoded again. */
function flipCiphertextBit(sealed: string, index = 0): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[4]!, 'base64url');
  bytes[index] = bytes[index]! ^ 1;
  parts[4] = bytes.toString('base64url');
  return parts.join('.');
}

describe('sealing personal data', () => {
  it('opens with the same key and event id as the very value sealed, unicode and unknown nested fields included', () => {
    const sealed = sealJson(key, eventId, patient);
    expect(openJson(key, eventId, sealed)).toEqual({ ok: true, value: patient });
    expect(openJson(key, eventId, sealJson(key, eventId, 'Anaïs'))).toEqual({ ok: true, value: 'Anaïs' });
    expect(openJson(key, eventId, sealJson(key, eventId, null))).toEqual({ ok: true, value: null });
    expect(openJson(key, eventId, sealJson(key, eventId, ''))).toEqual({ ok: true, value: '' });
  });

  it('shows nothing of the value, and never seals it to the same text twice', () => {
    const sealed = sealJson(key, eventId, patient);
    for (const clear of ['9876543210', 'asha', 'Ravi', 'p-17', 'emergency']) expect(sealed).not.toContain(clear);
    expect(sealJson(key, eventId, patient)).not.toBe(sealed);
  });

  it('names its key id, readable without the key', () => {
    const sealed = sealJson(key, eventId, patient);
    expect(sealed.startsWith(`pd1.${key.keyId}.`)).toBe(true);
    expect(keyIdOf(sealed)).toBe(key.keyId);
    expect(isSealed(sealed)).toBe(true);
  });

  it('tells a sealed value from anything else', () => {
    expect(isSealed('+919876543210')).toBe(false);
    expect(isSealed({ sealed: true })).toBe(false);
    expect(isSealed('pd1.a.b.c.d')).toBe(false);
    expect(keyIdOf('Anaïs')).toBeNull();
    expect(openJson(key, eventId, 'Anaïs')).toEqual({ ok: false, error: 'malformed' });
  });

  it('does not open under another key, for another event, or with one bit changed', () => {
    const sealed = sealJson(key, eventId, patient);
    expect(openJson(otherKey, eventId, sealed)).toEqual({ ok: false, error: 'does-not-open' });
    expect(openJson(key, 'evt-other', sealed)).toEqual({ ok: false, error: 'does-not-open' });
    expect(openJson(key, eventId, flipCiphertextBit(sealed))).toEqual({ ok: false, error: 'does-not-open' });
    expect(openJson(key, eventId, flipCiphertextBit(sealed, 20))).toEqual({ ok: false, error: 'does-not-open' });
  });

  it('does not open when relabelled with another key id, even one holding the same bytes', () => {
    const sealed = sealJson(key, eventId, patient);
    const relabelled = sealed.replace(key.keyId, '11111111-2222-4333-8444-555555555555');
    expect(keyIdOf(relabelled)).toBe('11111111-2222-4333-8444-555555555555');
    expect(openJson({ keyId: '11111111-2222-4333-8444-555555555555', key: key.key }, eventId, relabelled)).toEqual({ ok: false, error: 'does-not-open' });
    expect(openJson(key, eventId, relabelled)).toEqual({ ok: false, error: 'does-not-open' });
  });

  it('refuses a value JSON cannot write, and a key that is not one', () => {
    expect(() => sealJson(key, eventId, undefined)).toThrow(/no JSON form/);
    expect(() => sealJson({ keyId: key.keyId, key: Buffer.alloc(16) }, eventId, 'x')).toThrow(/32 bytes/);
    expect(() => sealJson({ keyId: 'a.b', key: key.key }, eventId, 'x')).toThrow(/key id/);
  });
});

describe('wrapping data keys', () => {
  const keys = deriveLedgerKeys(Buffer.alloc(32, 1));
  const otherMaster = deriveLedgerKeys(Buffer.alloc(32, 2));

  it('unwraps under the same wrapping key and key id, and holds none of the raw key', () => {
    const wrapped = wrapDataKey(keys.keyWrapping, key.keyId, key.key);
    expect(wrapped.includes(key.key)).toBe(false);
    expect(unwrapDataKey(keys.keyWrapping, key.keyId, wrapped)).toEqual({ ok: true, value: key.key });
    expect(wrapDataKey(keys.keyWrapping, key.keyId, key.key).equals(wrapped)).toBe(false);
  });

  it('does not unwrap under another master key, for another key id, or with one bit changed', () => {
    const wrapped = wrapDataKey(keys.keyWrapping, key.keyId, key.key);
    expect(unwrapDataKey(otherMaster.keyWrapping, key.keyId, wrapped)).toEqual({ ok: false, error: 'does-not-open' });
    expect(unwrapDataKey(keys.keyWrapping, 'another-key-id', wrapped)).toEqual({ ok: false, error: 'does-not-open' });
    const changed = Buffer.from(wrapped);
    changed[40] = changed[40]! ^ 1;
    expect(unwrapDataKey(keys.keyWrapping, key.keyId, changed)).toEqual({ ok: false, error: 'does-not-open' });
    expect(unwrapDataKey(keys.keyWrapping, key.keyId, wrapped.subarray(1))).toEqual({ ok: false, error: 'malformed' });
  });

  it('unwraps from the Uint8Array a database driver hands back', () => {
    const wrapped = wrapDataKey(keys.keyWrapping, key.keyId, key.key);
    const fromDriver = new Uint8Array(wrapped.length + 8).subarray(4, 4 + wrapped.length);
    fromDriver.set(wrapped);
    expect(unwrapDataKey(keys.keyWrapping, key.keyId, fromDriver)).toEqual({ ok: true, value: key.key });
  });
});
