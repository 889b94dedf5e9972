import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '../result.ts';

/*
 * Personal data at rest, encrypted under its person's data key (crypto-shredding: destroy the key
 * and every copy of the data, in the ledger, in backups, in replays, is unreadable at once).
 *
 * A sealed value is AES-256-GCM with a fresh random 96-bit nonce, written as one string
 *   pd1.<key id>.<nonce>.<tag>.<ciphertext>        (base64url, the key id as given)
 * so a reader knows which key to ask the key store for without holding any. The associated data is
 * the format, the key id and the EVENT ID: a sealed value copied into another event, or relabelled
 * with another key id, does not open. Random nonces are safe far beyond any one person's volume
 * (GCM's bound is about 2^32 messages per key).
 *
 * A data key is itself stored wrapped (AES-256-GCM again) by the key-wrapping key that HKDF derives
 * from the master key, with its key id as associated data, so a wrapped key moved to another row
 * does not open either.
 */

/** A person's data key, unwrapped: the id every ciphertext made with it names, and its 32 bytes. */
export interface DataKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/** A data key that existed and was destroyed: what it encrypted is erased. */
export interface DestroyedKey {
  readonly destroyed: true;
  readonly keyId: string;
  readonly at: Date;
  readonly reason: string | null;
}

export const DATA_KEY_BYTES = 32;

/** A sealed value's first field, and the first field of its associated data. */
export const FORMAT = 'pd1';
const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;
const SEALED = /^pd1\.([A-Za-z0-9-]{1,64})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;
const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/**
 * Nonces come from the CSPRNG a thousand at a time: one call costs about as much as the whole
 * encryption of a small value, and sealing runs at every append. Each block is fresh and no byte
 * of it is handed out twice, so every nonce is as random as one drawn alone.
 */
const NONCE_BLOCK = NONCE_BYTES * 1024;
let nonces = Buffer.alloc(0);
let nextNonce = 0;
function freshNonce(): Buffer {
  if (nextNonce + NONCE_BYTES > nonces.length) {
    nonces = randomBytes(NONCE_BLOCK);
    nextNonce = 0;
  }
  nextNonce += NONCE_BYTES;
  return nonces.subarray(nextNonce - NONCE_BYTES, nextNonce);
}

const associatedData = (keyId: string, eventId: string) => Buffer.from(`${FORMAT}\u0000${keyId}\u0000${eventId}`, 'utf8');

/** Data keys already checked: a key seals many values, and the check need not run for each. */
const checked = new WeakSet<DataKey>();

function checkKey(key: DataKey): void {
  if (checked.has(key)) return;
  if (!KEY_ID.test(key.keyId)) throw new Error('a key id is 1-64 letters, digits or dashes');
  if (key.key.length !== DATA_KEY_BYTES) throw new Error(`a data key is ${DATA_KEY_BYTES} bytes`);
  // Frozen first, so a key checked cannot be changed after.
  if (Object.isFrozen(key)) checked.add(key);
}

/**
 * `value` as JSON (whatever it holds: a whole patient with fields upstream added, a string, a
 * number), encrypted under `key` for the event `eventId`. A value JSON cannot write (undefined, a
 * function, a bigint) is a bug, and throws.
 */
export function sealJson(key: DataKey, eventId: string, value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  if (json === undefined) throw new Error(`sealJson: ${typeof value} has no JSON form`);
  return sealJsonText(key, eventId, json);
}

/** `sealJson` for a value already written as JSON: `openJson` gives back `JSON.parse(json)`. */
export function sealJsonText(key: DataKey, eventId: string, json: string): string {
  checkKey(key);
  const nonce = freshNonce();
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(associatedData(key.keyId, eventId));
  const encrypted = cipher.update(json, 'utf8');
  const rest = cipher.final();
  const ciphertext = rest.length === 0 ? encrypted : Buffer.concat([encrypted, rest]);
  return `${FORMAT}.${key.keyId}.${nonce.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ciphertext.toString('base64url')}`;
}

/** A sealed value taken apart (by its form; whether it opens needs the key). */
export interface SealedValue {
  readonly keyId: string;
  readonly nonce: string;
  readonly tag: string;
  readonly ciphertext: string;
}

const PREFIX = `${FORMAT}.`;

/** `value` taken apart when it is a sealed value, else null: one match, and most strings fail at their first bytes. */
export function parseSealed(value: unknown): SealedValue | null {
  if (typeof value !== 'string' || !value.startsWith(PREFIX) || !SEALED.test(value)) return null;
  // The form holds, so the four dots after the prefix are exactly its separators (no match array to build).
  const afterKey = value.indexOf('.', PREFIX.length);
  const afterNonce = value.indexOf('.', afterKey + 1);
  const afterTag = value.indexOf('.', afterNonce + 1);
  return {
    keyId: value.slice(PREFIX.length, afterKey),
    nonce: value.slice(afterKey + 1, afterNonce),
    tag: value.slice(afterNonce + 1, afterTag),
    ciphertext: value.slice(afterTag + 1),
  };
}

/** Whether `value` is a sealed value (by its form; whether it opens needs the key). */
export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIX) && SEALED.test(value);
}

/** The id of the key a sealed value needs, read without any key; null when it is not one. */
export function keyIdOf(sealed: string): string | null {
  return parseSealed(sealed)?.keyId ?? null;
}

/**
 * The value back, or why not: `malformed` when it is no sealed value; `does-not-open` for another
 * key, another event id or a changed byte, which GCM cannot tell apart.
 */
export function openJson(key: DataKey, eventId: string, sealed: string): Result<unknown, 'malformed' | 'does-not-open'> {
  const parsed = parseSealed(sealed);
  return parsed ? openSealed(key, eventId, parsed) : err('malformed');
}

/** `openJson` for a value already taken apart by `parseSealed`. */
export function openSealed(key: DataKey, eventId: string, sealed: SealedValue): Result<unknown, 'does-not-open'> {
  if (sealed.keyId !== key.keyId) return err('does-not-open');
  let json: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(sealed.nonce, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(sealed.keyId, eventId));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
    // GCM's final() returns nothing more: the update's bytes are the whole plaintext (no string
    // decoder, no concatenation: this runs for every sealed part a reader opens).
    const plaintext = decipher.update(Buffer.from(sealed.ciphertext, 'base64url'));
    const rest = decipher.final();
    json = (rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest])).toString('utf8');
  } catch {
    return err('does-not-open');
  }
  // Authenticated, so written by sealJson: JSON that does not parse would be a bug of ours.
  return ok(JSON.parse(json) as unknown);
}

/** The wrapped form's first byte: lets a later format sit beside this one. */
const WRAP_VERSION = 1;
const WRAPPED_BYTES = 1 + NONCE_BYTES + TAG_BYTES + DATA_KEY_BYTES;

/** `dataKey` encrypted under the key-wrapping key, bound to `keyId`: version, nonce, tag, ciphertext. */
export function wrapDataKey(wrappingKey: Buffer, keyId: string, dataKey: Buffer): Buffer {
  if (dataKey.length !== DATA_KEY_BYTES) throw new Error(`a data key is ${DATA_KEY_BYTES} bytes`);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrappingKey, nonce);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, cipher.getAuthTag(), ciphertext]);
}

/** The data key back; `does-not-open` under another wrapping key (another master key) or another key id. */
export function unwrapDataKey(wrappingKey: Buffer, keyId: string, wrapped: Uint8Array): Result<Buffer, 'malformed' | 'does-not-open'> {
  const bytes = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength);
  if (bytes.length !== WRAPPED_BYTES || bytes[0] !== WRAP_VERSION) return err('malformed');
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, bytes.subarray(1, 1 + NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    decipher.setAuthTag(bytes.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + TAG_BYTES));
    return ok(Buffer.concat([decipher.update(bytes.subarray(1 + NONCE_BYTES + TAG_BYTES)), decipher.final()]));
  } catch {
    return err('does-not-open');
  }
}
