import type { Clock } from '../../src/domain/clock.ts';

export interface FixedClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

/** A clock that moves only when the test moves it; by default half an hour before the fixtures' FIXTURE_NOW. */
export function fixedClock(start: Date | string = '2026-11-24T09:00:00Z'): FixedClock {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    set: (at) => {
      now = new Date(at).getTime();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/**
 * The machine's clock, for tests whose service runs on it (no clock override, or a service process):
 * the fixtures they publish must be built for the real now, so their slots lie ahead of it.
 */
export const realClock: Clock = { now: () => new Date() };
