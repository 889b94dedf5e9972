/** How far apart retries start, and the longest any one wait may be. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before retry number `attempt` (0 for the first): exponential backoff with "full jitter",
 * a random share of a ceiling that doubles with each attempt up to `maxMs`. Spreading the whole
 * range, not only its upper half, is what keeps many workers that failed together (a provider
 * outage, a lost broker or ledger) from coming back together. `random` is in [0, 1]; pass 1 for
 * the plain doubling without jitter. Every retry delay in the service comes from here.
 */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: number): number {
  // Capping the exponent keeps 2 ** attempt finite however long an outage lasts.
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.round(ceiling * random);
}
