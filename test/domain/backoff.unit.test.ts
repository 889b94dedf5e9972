import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/domain/backoff.ts';
import { retryDelayMs } from '../../src/domain/notifications/notification-state.ts';

describe('the one backoff', () => {
  const backoff = { baseMs: 2_000, maxMs: 15 * 60_000 };

  it.each([
    [0, 2_000],
    [1, 4_000],
    [3, 16_000],
    [9, 900_000],
    [1_000, 900_000],
  ])('spreads the wait before retry %i over the whole of its ceiling (full jitter)', (attempt, ceiling) => {
    expect(backoffDelayMs(attempt, backoff, 0)).toBe(0);
    expect(backoffDelayMs(attempt, backoff, 0.25)).toBe(ceiling / 4);
    expect(backoffDelayMs(attempt, backoff, 1)).toBe(ceiling);
  });

  it('doubles without jitter when given 1', () => {
    const waits = [0, 1, 2, 3].map((attempt) => backoffDelayMs(attempt, { baseMs: 10, maxMs: Number.POSITIVE_INFINITY }, 1));
    expect(waits).toEqual([10, 20, 40, 80]);
  });
});

describe('the wait before a failed send is tried again', () => {
  const options = { baseMs: 2_000, maxMs: 15 * 60_000 };

  it('may come at once after the first failure, as full jitter allows', () => {
    expect(retryDelayMs(1, { ...options, random: 0 })).toBe(0);
  });

  it('is at most the doubled base after the third failure', () => {
    expect(retryDelayMs(3, { ...options, random: 1 })).toBe(8_000);
    expect(retryDelayMs(3, { ...options, random: 0.5 })).toBe(4_000);
  });

  it('is never sooner than the provider asked', () => {
    expect(retryDelayMs(1, { ...options, random: 0, retryAfterMs: 30_000 })).toBe(30_000);
  });
});
