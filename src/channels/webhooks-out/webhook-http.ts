import { Pool } from 'undici';
import type { WebhookHeaders } from '../../domain/webhooks/outbound-signature.ts';
import { describe, isTimeout } from '../providers/provider-http-client.ts';
import { pinnedLookup, type WebhookTarget } from './ssrf-guard.ts';

/** What an endpoint's answer is kept of: the first 1 KiB of its body. */
export const RESPONSE_BODY_BYTES = 1024;

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** The endpoint answered (any status, a redirect included), or no answer came. */
export type WebhookPostResult =
  | { kind: 'http'; status: number; retryAfter: string | null; body: string; latencyMs: number }
  | { kind: 'error'; message: string; latencyMs: number };

/** How many endpoints' connections are kept open at once; the least recently used is closed beyond it. */
const MAX_POOLS = 64;

/**
 * POSTs webhook messages over keep-alive connections, one pool per (origin, checked address): every
 * connection goes to the address the guard checked and to no other (the lookup is pinned), while the
 * URL keeps its name for the Host header, TLS's SNI and the certificate check. No redirect is
 * followed (undici's request follows none), and a timeout or a dropped connection is a value, never
 * a throw.
 */
export class WebhookHttpClient {
  readonly #pools = new Map<string, Pool>();
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;
  }

  async post(target: WebhookTarget, headers: WebhookHeaders, body: string, signal: AbortSignal): Promise<WebhookPostResult> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const answer = await this.#poolFor(target).request({
        method: 'POST',
        path: `${target.url.pathname}${target.url.search}`,
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'clinic-notification-ledger-webhooks/1' },
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      const retryAfter = answer.headers['retry-after'];
      const text = await firstBytes(answer.body, RESPONSE_BODY_BYTES);
      return { kind: 'http', status: answer.statusCode, retryAfter: (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null, body: text, latencyMs: latencyMs() };
    } catch (error) {
      if (timeout.aborted || isTimeout(error)) return { kind: 'error', message: `no answer within ${this.#timeoutMs} ms`, latencyMs: latencyMs() };
      return { kind: 'error', message: describe(error), latencyMs: latencyMs() };
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.allSettled(pools.map((pool) => pool.close()));
  }

  #poolFor(target: WebhookTarget): Pool {
    const key = `${target.url.origin}|${target.address}`;
    let pool = this.#pools.get(key);
    if (pool) {
      // Most recently used last.
      this.#pools.delete(key);
      this.#pools.set(key, pool);
      return pool;
    }
    pool = new Pool(target.url.origin, {
      connections: 8,
      connect: { lookup: pinnedLookup(target), timeout: this.#timeoutMs },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.#pools.set(key, pool);
    if (this.#pools.size > MAX_POOLS) {
      const [oldestKey, oldest] = this.#pools.entries().next().value!;
      this.#pools.delete(oldestKey);
      void oldest.close().catch(() => undefined);
    }
    return pool;
  }
}

/** The first `limit` bytes of a body as UTF-8; the rest is not read (the connection is then dropped). */
async function firstBytes(body: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

