import { describe, expect, it } from 'vitest';
import { contactHash, deriveLedgerKeys, keyedPayloadHash, newMasterKey, openSecret, parseMasterKey, sealSecret } from '../../src/domain/keys/ledger-keys.ts';

const master = Buffer.alloc(32, 1);
const keys = deriveLedgerKeys(master);

describe('the master key', () => {
  it('reads 32 bytes of base64, and names what is wrong without repeating the value', () => {
    const made = newMasterKey();
    expect(parseMasterKey(made)).toMatchObject({ ok: true });
    expect(parseMasterKey(`${made}\n`)).toMatchObject({ ok: true });
    expect(parseMasterKey(Buffer.alloc(32, 2).toString('base64url'))).toMatchObject({ ok: true });
    expect(parseMasterKey(Buffer.alloc(31, 2).toString('base64'))).toEqual({ ok: false, error: 'must be 32 random bytes, base64-encoded; it decodes to 31' });
    expect(parseMasterKey('secret phrase!')).toEqual({ ok: false, error: 'must be base64 (for example the output of `openssl rand -base64 32`)' });
  });

  it('derives one key per purpose, the same every time, and other keys from another master', () => {
    expect(deriveLedgerKeys(Buffer.alloc(32, 1))).toEqual(keys);
    expect(keys.contactHash.equals(keys.webhookSecrets)).toBe(false);
    expect(keys.contactHash).toHaveLength(32);
    const other = deriveLedgerKeys(Buffer.alloc(32, 3));
    expect(other.contactHash.equals(keys.contactHash)).toBe(false);
    expect(() => deriveLedgerKeys(Buffer.alloc(16))).toThrow(/32 bytes/);
  });
});

describe('keyed hashes of contacts', () => {
  it('are equal for equal contacts, tell nothing of the contact, and differ by kind and by key', () => {
    const phone = contactHash(keys, 'phone', '+919876543210');
    expect(phone).toMatch(/^[0-9a-f]{64}$/);
    expect(contactHash(keys, 'phone', ' +919876543210 ')).toBe(phone);
    expect(phone).not.toContain('9876543210');
    expect(contactHash(keys, 'email', 'Asha@Example.com')).toBe(contactHash(keys, 'email', 'asha@example.com'));
    expect(contactHash(keys, 'email', '+919876543210')).not.toBe(phone);
    expect(contactHash(deriveLedgerKeys(Buffer.alloc(32, 3)), 'phone', '+919876543210')).not.toBe(phone);
  });
});

describe('sealed secrets', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('open with the same key and context, and show nothing of the secret', () => {
    const sealed = sealSecret(keys.webhookSecrets, secret, 'endpoint-1');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('MfKQ9r8G');
    expect(openSecret(keys.webhookSecrets, sealed, 'endpoint-1')).toEqual({ ok: true, value: secret });
    // A fresh nonce each time: the same secret never seals to the same text.
    expect(sealSecret(keys.webhookSecrets, secret, 'endpoint-1')).not.toBe(sealed);
  });

  it('do not open with another key, another context, or one byte changed', () => {
    const sealed = sealSecret(keys.webhookSecrets, secret, 'endpoint-1');
    expect(openSecret(keys.contactHash, sealed, 'endpoint-1')).toEqual({ ok: false, error: 'does-not-open' });
    expect(openSecret(keys.webhookSecrets, sealed, 'endpoint-2')).toEqual({ ok: false, error: 'does-not-open' });
    // One character of the ciphertext (each carries six whole bits there) changed.
    const at = sealed.lastIndexOf('.') + 2;
    const changed = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
    expect(openSecret(keys.webhookSecrets, changed, 'endpoint-1')).toEqual({ ok: false, error: 'does-not-open' });
    expect(openSecret(keys.webhookSecrets, 'whsec_plain', 'endpoint-1')).toEqual({ ok: false, error: 'malformed' });
  });
});

describe('keys added for personal data', () => {
  it('leave the keys derived before them as they were, so existing hashes and sealed secrets still open', () => {
    expect(contactHash(keys, 'phone', '+919876543210')).toBe('09add5c5c1193da760662e723578f630806f908297319ffa12fb6cda9476f0dd');
    expect(keys.webhookSecrets.toString('hex')).toBe('821a752ac024b2f048f4f0cbabb05194a9932e038a5acc448d21841ea0e51a6c');
  });

  it('are each a key of their own', () => {
    const all = [keys.contactHash, keys.webhookSecrets, keys.keyWrapping, keys.payloadHash].map((k) => k.toString('hex'));
    expect(new Set(all).size).toBe(4);
    expect(keys.keyWrapping).toHaveLength(32);
  });

  it('hash equal payloads alike, and a changed phone differently, under the master key only', () => {
    const payload = '{"patient":{"phone":"+919876543210"},"type":"AppointmentConfirmed"}';
    const hash = keyedPayloadHash(keys, payload);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedPayloadHash(keys, payload)).toBe(hash);
    expect(keyedPayloadHash(keys, payload.replace('3210', '3211'))).not.toBe(hash);
    expect(keyedPayloadHash(deriveLedgerKeys(Buffer.alloc(32, 3)), payload)).not.toBe(hash);
  });
});
