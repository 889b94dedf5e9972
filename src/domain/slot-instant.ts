import type { Slot } from './intake/payload-parts.ts';

const partsFormats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormats.set(timeZone, format);
  }
  return format;
}

/** The wall clock in `timeZone` at `instantMs`, read as if it were UTC (ms). */
function wallClockAt(instantMs: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(new Date(instantMs))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** How far `timeZone` is ahead of UTC at `instantMs` (ms; +05:45 for Asia/Kathmandu). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockAt(whole, timeZone) - whole;
}

/**
 * The instant a slot starts: its date and time are wall-clock at the centre. Works for any IANA
 * zone (half-hour and 45-minute offsets included). A time that a daylight-saving jump skips is
 * taken as the same time after the jump; a time that happens twice is its first occurrence.
 */
export function slotInstant(slot: Pick<Slot, 'slotDate' | 'slotTime'>, timeZone: string): Date {
  // A centre's slots fall on a grid of dates and times; each is worked out once (four time zone
  // conversions) and then looked up.
  const key = `${timeZone} ${slot.slotDate} ${slot.slotTime}`;
  let instantMs = slotInstants.get(key);
  if (instantMs === undefined) {
    if (slotInstants.size >= MAX_SLOT_INSTANTS) slotInstants.clear();
    instantMs = computeSlotInstant(slot, timeZone);
    slotInstants.set(key, instantMs);
  }
  return new Date(instantMs);
}

const MAX_SLOT_INSTANTS = 50_000;
const slotInstants = new Map<string, number>();

function computeSlotInstant(slot: Pick<Slot, 'slotDate' | 'slotTime'>, timeZone: string): number {
  const [y, m, d] = slot.slotDate.split('-').map(Number);
  const [hh, mm] = slot.slotTime.split(':').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!, hh!, mm!);
  // Two rounds settle every zone: the offset at the guess, then the offset at the answer.
  const first = wall - zoneOffsetMs(wall, timeZone);
  const offset = zoneOffsetMs(first, timeZone);
  const second = wall - offset;
  if (zoneOffsetMs(second, timeZone) === offset) {
    // Ambiguous (clocks went back): prefer the earlier of the two instants reading `wall`.
    const earlier = second - 3_600_000;
    return wallClockAt(earlier, timeZone) === wall ? earlier : second;
  }
  // Skipped by a jump forward: the wall time does not exist; keep the pre-jump offset.
  return first;
}

/** The calendar date (YYYY-MM-DD) at the centre at an instant. */
export function localDateAt(instant: Date, timeZone: string): string {
  return new Date(wallClockAt(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}
