import { Pool } from 'undici';

/** Timeouts and pool size for one provider's HTTP endpoint. */
export interface HttpClientOptions {
  /** Origin plus an optional path prefix, e.g. `https://waba-v2.360dialog.io`. */
  baseUrl: string;
  /** Keep-alive connections kept open to the provider. */
  connections?: number;
  connectTimeoutMs?: number;
  /** The whole request, from dispatch to the last byte of the answer. */
  requestTimeoutMs?: number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Appended to the base URL's path. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** The provider answered (any status), or the call never got an answer. */
export type HttpResult =
  | { ok: true; response: HttpResponse }
  | { ok: false; failure: 'timeout' | 'network' | 'aborted'; message: string };

export interface ProviderHttpClient {
  request(request: HttpRequest): Promise<HttpResult>;
  close(): Promise<void>;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

/**
 * A keep-alive undici Pool per provider origin: Node's global fetch opens far more connections and
 * measured ~3x slower here. A timeout or a dropped connection is a value, never a throw, because the
 * dispatcher must record it as an attempt that may or may not have reached the provider.
 */
export function createProviderHttpClient(options: HttpClientOptions): ProviderHttpClient {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, '');
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 16,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    keepAliveTimeout: 30_000,
  });

  return {
    async request(request) {
      const timeout = AbortSignal.timeout(requestTimeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      try {
        const answer = await pool.request({
          method: request.method,
          path: `${prefix}${request.path}`,
          headers: request.headers,
          body: request.body,
          signal,
        });
        const text = await answer.body.text();
        return { ok: true, response: { status: answer.statusCode, headers: answer.headers, text } };
      } catch (error) {
        if (request.signal?.aborted) return { ok: false, failure: 'aborted', message: 'aborted by the caller' };
        if (timeout.aborted || isTimeout(error)) return { ok: false, failure: 'timeout', message: `no answer within ${requestTimeoutMs} ms` };
        return { ok: false, failure: 'network', message: describe(error) };
      }
    },
    close: () => pool.close(),
  };
}

/** Whether undici gave up waiting (to connect, for headers, for the body). */
export function isTimeout(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  return code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}

/** A transport error in words: its code, message and cause; never a request's body. */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = 'code' in error ? String(error.code) : undefined;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${code ? `${code} ` : ''}${error.message}${cause}`;
}

/** The first value of a response header, case-insensitively. */
export function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}
