import { Worker } from 'node:worker_threads';
import { FORMAT, TAG_BYTES, type DataKey, type SealedValue } from '../domain/keys/field-cipher.ts';

/*
 * A thread of its own that opens sealed values in bulk, for reads that open thousands at a time (a
 * replay, a lane catching up): the AES-GCM work and the cipher objects the collector must reclaim
 * then cost another core, while the reading thread folds the batch before. It answers each value's
 * plaintext JSON, or null where it does not open; the caller parses and places them (and throws for
 * one that does not open, as it would have inline). Small reads stay inline: a trip to the thread
 * costs more than opening a few values.
 *
 * The thread runs this source (plain JavaScript, so it needs no loader whatever runs the service),
 * with the same associated data as `sealJson` (format, key id and event id) and the same tag length,
 * taken from field-cipher.ts; opening-thread.unit.test.ts opens what `sealJson` sealed.
 */
const SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createDecipheriv } = require('node:crypto');
parentPort.on('message', ({ id, keys, keyOf, eventIds, nonces, tags, ciphertexts }) => {
  const out = new Array(keyOf.length);
  for (let i = 0; i < keyOf.length; i++) {
    const key = keys[keyOf[i]];
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(nonces[i], 'base64url'), { authTagLength: ${TAG_BYTES} });
      decipher.setAAD(Buffer.from(${JSON.stringify(`${FORMAT}\u0000`)} + key.keyId + '\\u0000' + eventIds[i], 'utf8'));
      decipher.setAuthTag(Buffer.from(tags[i], 'base64url'));
      const plaintext = decipher.update(Buffer.from(ciphertexts[i], 'base64url'));
      const rest = decipher.final();
      out[i] = (rest.length === 0 ? plaintext : Buffer.concat([plaintext, rest])).toString('utf8');
    } catch {
      out[i] = null;
    }
  }
  parentPort.postMessage({ id, out });
});
`;

/** Values to open in one trip: each with the event it belongs to and its (live) key. */
export interface OpeningJob {
  readonly eventId: string;
  readonly sealed: SealedValue;
  readonly key: DataKey;
}

export class OpeningThread {
  /** `onFailure` hears once why the thread was given up (every read then opens inline). */
  constructor(private readonly onFailure: (error: unknown) => void = () => undefined) {}

  #worker: Worker | null = null;
  #broken = false;
  #next = 0;
  readonly #waiting = new Map<number, { resolve: (out: (string | null)[]) => void; reject: (error: unknown) => void }>();

  /** Whether a read of this many values goes to the thread (false once it failed: reads then open inline). */
  takes(count: number): boolean {
    return !this.#broken && count >= OPENING_THREAD_MIN;
  }

  /** Each job's plaintext JSON, or null where it does not open (altered, or another key). */
  open(jobs: readonly OpeningJob[]): Promise<(string | null)[]> {
    const worker = this.#start();
    const keys: { keyId: string; key: Uint8Array }[] = [];
    const keyIndex = new Map<string, number>();
    const keyOf = jobs.map(({ key }) => {
      let index = keyIndex.get(key.keyId);
      if (index === undefined) {
        keyIndex.set(key.keyId, (index = keys.length));
        keys.push({ keyId: key.keyId, key: key.key });
      }
      return index;
    });
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      // Held alive while someone waits for it, and only then.
      if (this.#waiting.size === 0) worker.ref();
      this.#waiting.set(id, { resolve, reject });
      worker.postMessage({
        id,
        keys,
        keyOf,
        eventIds: jobs.map((job) => job.eventId),
        nonces: jobs.map((job) => job.sealed.nonce),
        tags: jobs.map((job) => job.sealed.tag),
        ciphertexts: jobs.map((job) => job.sealed.ciphertext),
      });
    });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    this.#broken = true;
    if (worker) await worker.terminate();
    this.#fail(new Error('the opening thread was closed'));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    let worker: Worker;
    try {
      worker = new Worker(SOURCE, { eval: true });
    } catch (error) {
      // A process whose flags a worker refuses: say so once, then open inline for good.
      this.#broken = true;
      this.onFailure(error);
      throw error;
    }
    // Idle, it never keeps the process alive.
    worker.unref();
    worker.on('message', ({ id, out }: { id: number; out: (string | null)[] }) => {
      const waiting = this.#waiting.get(id);
      this.#waiting.delete(id);
      if (this.#waiting.size === 0) worker.unref();
      waiting?.resolve(out);
    });
    const failed = (error: unknown) => {
      if (!this.#broken) this.onFailure(error);
      this.#broken = true;
      this.#worker = null;
      this.#fail(error);
    };
    worker.on('error', failed);
    worker.on('exit', (code) => {
      if (this.#worker === worker) failed(new Error(`the opening thread exited (${code})`));
    });
    this.#worker = worker;
    return worker;
  }

  #fail(error: unknown): void {
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}

/** Values a read must open for the thread to take them: below it, a trip costs more than opening inline. */
export const OPENING_THREAD_MIN = 256;
