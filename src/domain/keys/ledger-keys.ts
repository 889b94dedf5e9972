import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Channel } from '../event-catalogue.ts';
import { assertNever, err, ok, type Result } from '../result.ts';

/*
 * The service's key material. One master key (`LEDGER_MASTER_KEY`, 32 random bytes) is all an
 * operator keeps; every key the service uses is derived from it with HKDF-SHA256, one per purpose,
 * so a key used for one thing never serves another:
 * - the contact key: keyed hashes (HMAC-SHA256) of phone numbers and addresses, so nothing personal
 *   names a stream, a row or a URL, and equal contacts still compare equal;
 * - the webhook-secret key: AES-256-GCM over the signing secrets of webhook endpoints, so the ledger
 *   keeps only their encrypted form;
 * - the key-wrapping key: AES-256-GCM over each person's data keys in the key store, so the store
 *   holds no key a stolen database copy could use;
 * - the payload-hash key: keyed hashes (HMAC-SHA256) of whole payloads, so a repeated event is still
 *   told from a changed one while the hash says nothing of personal data in it.
 * Without the master key none can be recomputed: hashes no longer match new messages, endpoint
 * secrets cannot be read back, and neither can anything encrypted under a person's key.
 */

export const MASTER_KEY_BYTES = 32;

export interface LedgerKeys {
  /** HMAC-SHA256 key for keyed hashes of contacts. */
  readonly contactHash: Buffer;
  /** AES-256-GCM key for webhook endpoint secrets. */
  readonly webhookSecrets: Buffer;
  /** AES-256-GCM key wrapping the per-person data keys of the key store. */
  readonly keyWrapping: Buffer;
  /** HMAC-SHA256 key for keyed hashes of payloads (dedup of events that carry personal data). */
  readonly payloadHash: Buffer;
}

/** The purposes, as HKDF `info`: changing one changes every key derived for it. */
const PURPOSES = {
  contactHash: 'clinic-notification-ledger/contact-hash/v1',
  webhookSecrets: 'clinic-notification-ledger/webhook-secrets/v1',
  keyWrapping: 'clinic-notification-ledger/key-wrapping/v1',
  payloadHash: 'clinic-notification-ledger/payload-hash/v1',
} as const;

/** A fixed salt: the master key is random already; the salt only separates this scheme from others. */
const SALT = Buffer.from('clinic-notification-ledger/hkdf-salt/v1');

/** The master key from its base64 text: exactly 32 bytes. The problem never repeats the value. */
export function parseMasterKey(text: string): Result<Buffer, string> {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) && !/^[A-Za-z0-9_-]+$/.test(trimmed)) return err('must be base64 (for example the output of `openssl rand -base64 32`)');
  const bytes = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
  if (bytes.length !== MASTER_KEY_BYTES) return err(`must be ${MASTER_KEY_BYTES} random bytes, base64-encoded; it decodes to ${bytes.length}`);
  return ok(bytes);
}

/** A new master key, as its base64 text. */
export const newMasterKey = (): string => randomBytes(MASTER_KEY_BYTES).toString('base64');

export function deriveLedgerKeys(master: Buffer): LedgerKeys {
  if (master.length !== MASTER_KEY_BYTES) throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes`);
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, SALT, info, 32));
  return Object.freeze({
    contactHash: derive(PURPOSES.contactHash),
    webhookSecrets: derive(PURPOSES.webhookSecrets),
    keyWrapping: derive(PURPOSES.keyWrapping),
    payloadHash: derive(PURPOSES.payloadHash),
  });
}

/**
 * What a contact is: the kind is part of the hash, so a phone and an email never collide.
 * `staff-id` is the in-app address (a staff member's id): not personal, but hashed like every address.
 */
export type ContactKind = 'phone' | 'email' | 'push-token' | 'staff-id';

/** The kind of a channel's addresses: WhatsApp and SMS share the phone's, so one number hashes alike on both. */
export function contactKindOf(channel: Channel): ContactKind {
  switch (channel) {
    case 'whatsapp':
    case 'sms':
      return 'phone';
    case 'email':
      return 'email';
    case 'push':
      return 'push-token';
    case 'in_app':
      return 'staff-id';
    default:
      return assertNever(channel, 'channel');
  }
}

/**
 * The keyed hash of a contact, as hex: the same contact always gives the same hash under one master
 * key, and the hash tells nothing without it. Emails compare case-insensitively; phones are E.164.
 */
export function contactHash(keys: Pick<LedgerKeys, 'contactHash'>, kind: ContactKind, value: string): string {
  const normalized = kind === 'email' ? value.trim().toLowerCase() : value.trim();
  return createHmac('sha256', keys.contactHash).update(`${kind}\u0000${normalized}`).digest('hex');
}

/**
 * The keyed hash of a payload, as hex, from its canonical JSON (the caller's `canonicalJson`): equal
 * payloads hash alike under one master key, so a repeat still compares equal to what was recorded,
 * and the hash cannot be tested against a guessed phone number or name without the key.
 */
export function keyedPayloadHash(keys: Pick<LedgerKeys, 'payloadHash'>, canonicalJson: string): string {
  return createHmac('sha256', keys.payloadHash).update(canonicalJson).digest('hex');
}

const SEALED = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/**
 * A secret encrypted for the ledger: AES-256-GCM with a fresh 96-bit nonce, bound to `context` (the
 * endpoint's id) as associated data, so a sealed secret moved to another record does not open.
 * Written `v1.<nonce>.<tag>.<ciphertext>`, base64url.
 */
export function sealSecret(key: Buffer, plaintext: string, context: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `v1.${nonce.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ciphertext.toString('base64url')}`;
}

/** The secret back, or why not: another key, another context, or a changed byte all fail alike. */
export function openSecret(key: Buffer, sealed: string, context: string): Result<string, 'malformed' | 'does-not-open'> {
  const match = SEALED.exec(sealed);
  if (!match) return err('malformed');
  const [, nonce, tag, ciphertext] = match as unknown as [string, string, string, string];
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return ok(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8'));
  } catch {
    return err('does-not-open');
  }
}
