import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from '../domain/backoff.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A number in [0, 1] per wait; tests pin it to 1 to get the longest wait, the plain doubling. */
  random?: () => number;
}

/**
 * The consumer's wait before its `attempt`-th retry (0 for the first), from the service's one
 * backoff: instances that lost the broker or the ledger together spread their returns over the
 * whole wait instead of coming back in the same millisecond.
 */
export function consumerBackoffMs(attempt: number, options: BackoffOptions): number {
  return backoffDelayMs(attempt, { baseMs: options.initialMs, maxMs: options.maxMs }, (options.random ?? Math.random)());
}

/** Waits `ms`, or less if the signal aborts; never throws. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
