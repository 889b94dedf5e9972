import { request } from 'undici';
import type { SnsCertificateSource } from './sns-message.ts';

export interface SnsCertificateFetcherOptions {
  timeoutMs?: number;
  /** Certificates rotate rarely; a handful of URLs is all a deployment sees. */
  maxEntries?: number;
}

/**
 * Fetches SNS signing certificates and keeps them. Only call it for URLs that passed
 * `isTrustedCertUrl`: fetching an arbitrary URL from a webhook body would be a request forgery.
 */
export function createSnsCertificateFetcher(options: SnsCertificateFetcherOptions = {}): SnsCertificateSource {
  const cache = new Map<string, Promise<string>>();
  const maxEntries = options.maxEntries ?? 32;
  return (url) => {
    const known = cache.get(url);
    if (known) return known;
    const fetching = fetchPem(url, options.timeoutMs ?? 5_000);
    // A failed fetch must not stay cached, or one network blip would reject every webhook after it.
    fetching.catch(() => cache.delete(url));
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value ?? '');
    cache.set(url, fetching);
    return fetching;
  };
}

async function fetchPem(url: string, timeoutMs: number): Promise<string> {
  // undici's request follows no redirects, so the trusted host is the host answering.
  const answer = await request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
  const text = await answer.body.text();
  if (answer.statusCode !== 200 || !text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`SNS certificate ${url} answered ${answer.statusCode}`);
  }
  return text;
}
