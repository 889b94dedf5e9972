import { sign } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { parseJson } from './parse-json.ts';
import { createProviderHttpClient } from './provider-http-client.ts';
import { excerpt, permanent, retryable, unanswered, type SendFailure } from './send-failure.ts';

/** The fields of a Google service-account key file that the token exchange needs. */
export interface ServiceAccountKey {
  client_email: string;
  /** PEM, PKCS#8, as in the downloaded key file. */
  private_key: string;
  project_id?: string;
}

export interface GoogleAccessTokenOptions {
  serviceAccount: ServiceAccountKey;
  scope: string;
  /** Default `https://oauth2.googleapis.com/token`; tests point it at their stand-in. */
  tokenUrl?: string;
  /** The failure's provider name, so token problems are recorded against the channel's provider. */
  provider: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock: Clock;
}

export type AccessTokenResult = { ok: true; token: string } | { ok: false; failure: SendFailure };

export interface GoogleAccessTokenSource {
  getToken(signal?: AbortSignal): Promise<AccessTokenResult>;
  /** Forget the cached token, e.g. after the API refused it. */
  invalidate(): void;
  close(): Promise<void>;
}

export const DEFAULT_GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const ASSERTION_LIFETIME_S = 3600;
// Renew a little early so a token never expires between our check and Google's.
const RENEW_BEFORE_EXPIRY_MS = 60_000;

const TokenGranted = z.object({ access_token: z.string().min(1), expires_in: z.number().positive() });
const TokenRefused = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * OAuth2 access tokens for a service account by the JWT bearer grant (RFC 7523): an RS256 assertion
 * signed with the account's key, exchanged at the token endpoint and cached until shortly before it
 * expires. Concurrent callers share one exchange.
 */
export function createGoogleAccessTokenSource(options: GoogleAccessTokenOptions): GoogleAccessTokenSource {
  const tokenUrl = new URL(options.tokenUrl ?? DEFAULT_GOOGLE_TOKEN_URL);
  const http = createProviderHttpClient({ ...options, baseUrl: tokenUrl.origin });
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<AccessTokenResult> | undefined;

  async function exchange(signal?: AbortSignal): Promise<AccessTokenResult> {
    const nowMs = options.clock.now().getTime();
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: signAssertion(options.serviceAccount, options.scope, tokenUrl.href, Math.floor(nowMs / 1000)),
    });
    const result = await http.request({
      method: 'POST',
      path: `${tokenUrl.pathname}${tokenUrl.search}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      signal,
    });
    if (!result.ok) return { ok: false, failure: unanswered(options.provider, result) };
    const { status, text } = result.response;
    const granted = status === 200 ? parseJson(text, TokenGranted) : undefined;
    if (granted) {
      cached = { token: granted.access_token, renewAt: nowMs + granted.expires_in * 1000 - RENEW_BEFORE_EXPIRY_MS };
      return { ok: true, token: granted.access_token };
    }
    const refused = parseJson(text, TokenRefused);
    const code = `oauth-${refused?.error ?? `http-${status}`}`;
    const message = excerpt(refused?.error_description ?? text) || `token endpoint answered ${status}`;
    if (status >= 500 || status === 429) return { ok: false, failure: retryable(options.provider, code, message) };
    // A refused key or account (invalid_grant, invalid_client) fails every send until an admin fixes it.
    return { ok: false, failure: permanent(options.provider, code, message, { effect: 'pause-channel' }) };
  }

  return {
    async getToken(signal) {
      if (cached && options.clock.now().getTime() < cached.renewAt) return { ok: true, token: cached.token };
      inFlight ??= exchange(signal).finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
    close: () => http.close(),
  };
}

function signAssertion(account: ServiceAccountKey, scope: string, audience: string, issuedAt: number): string {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', typ: 'JWT' });
  const claims = encode({ iss: account.client_email, scope, aud: audience, iat: issuedAt, exp: issuedAt + ASSERTION_LIFETIME_S });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), account.private_key).toString('base64url');
  return `${header}.${claims}.${signature}`;
}
