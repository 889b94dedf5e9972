import type { Clock } from '../../src/domain/clock.ts';
import { localDateAt, slotInstant, zoneOffsetMs } from '../../src/domain/slot-instant.ts';

/**
 * The instant the shared fixtures are built for when a test names no clock: 15:00 on Tuesday
 * 24 November 2026 in Kolkata, where most fixed-clock test files start (`fixedClock(FIXTURE_NOW)`).
 * A fixture's slots lie after the instant it is built for, so a test on a fixed clock at this
 * instant and a test on the real clock (passing it) both see slots in their future: relevance
 * deadlines run from our receipt time, and a slot already past would expire at once.
 */
export const FIXTURE_NOW = new Date('2026-11-24T09:30:00Z');

/** The fixtures' centre zone. */
export const FIXTURE_TIME_ZONE = 'Asia/Kolkata';

export interface Slot {
  slotDate: string;
  slotTime: string;
}

export interface SlotOffset {
  days?: number;
  hours?: number;
  minutes?: number;
}

/** A clock, or the instant a test runs at. */
export type Now = Clock | Date;

export const instantOf = (now: Now): Date => (now instanceof Date ? now : now.now());

const offsetMs = ({ days = 0, hours = 0, minutes = 0 }: SlotOffset) => ((days * 24 + hours) * 60 + minutes) * 60_000;

/**
 * The slot `offset` after `now`, to the minute (rounded down), as the centre's wall clock reads it.
 * From FIXTURE_NOW, `{ days: 1, hours: 18, minutes: 30 }` is 2026-11-26 09:30.
 */
export function slotAfter(now: Now, offset: SlotOffset, timeZone = FIXTURE_TIME_ZONE): Slot {
  const at = instantOf(now).getTime() + offsetMs(offset);
  const wall = new Date(at + zoneOffsetMs(at, timeZone)).toISOString();
  return { slotDate: wall.slice(0, 10), slotTime: wall.slice(11, 16) };
}

/** The instant a slot starts at the centre. */
export const slotStart = (slot: Slot, timeZone = FIXTURE_TIME_ZONE): Date => slotInstant(slot, timeZone);

/** `slot` moved by `offset` on the centre's wall clock. */
export const slotPlus = (slot: Slot, offset: SlotOffset, timeZone = FIXTURE_TIME_ZONE): Slot =>
  slotAfter(slotStart(slot, timeZone), offset, timeZone);

/** The centre's calendar date at `now`, moved by `days`. */
export const localDateAfter = (now: Now, days = 0, timeZone = FIXTURE_TIME_ZONE): string =>
  localDateAt(new Date(instantOf(now).getTime() + offsetMs({ days })), timeZone);

/** Midnight starting `date` at the centre, as ISO-8601 with the centre's offset ("2026-11-26T00:00:00+05:30"). */
export function localMidnight(date: string, timeZone = FIXTURE_TIME_ZONE): string {
  const offset = zoneOffsetMs(slotStart({ slotDate: date, slotTime: '00:00' }, timeZone).getTime(), timeZone) / 60_000;
  const sign = offset < 0 ? '-' : '+';
  const pad = (n: number) => String(Math.floor(n)).padStart(2, '0');
  return `${date}T00:00:00${sign}${pad(Math.abs(offset) / 60)}:${pad(Math.abs(offset) % 60)}`;
}
