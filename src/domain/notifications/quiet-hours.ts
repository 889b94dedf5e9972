import { isEventType, type EventType } from '../event-catalogue.ts';
import type { FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';
import { localDateAt, slotInstant, zoneOffsetMs } from '../slot-instant.ts';

/**
 * Quiet hours of a centre, on its own wall clock: from `from` up to (not including) `until`, every
 * night. A window may cross midnight (22:00-08:00). None are set by default; an admin sets them
 * with `QuietHoursSet` and removes them with `QuietHoursCleared`, both in `quiet-hours-<centreId>`.
 * A message that is not urgent and falls due inside the window waits for its end.
 */
export interface QuietHours {
  /** `HH:MM`, 24-hour, the centre's wall clock. */
  from: string;
  until: string;
  /** What is sent at once all the same. */
  urgent: UrgentType[];
}

/** An event type that is urgent: always, only when its slot is today (`sameDay`), or only at a lab priority. */
export interface UrgentType {
  eventType: EventType;
  /** Only when the slot it is about (either slot, for a reschedule) falls on the centre's date when it is due. */
  sameDay?: true;
  /** lab.test_requested only: urgent at this priority alone. */
  priority?: LabPriority;
}

export const LAB_PRIORITIES = ['routine', 'urgent', 'stat'] as const;
export type LabPriority = (typeof LAB_PRIORITIES)[number];

/**
 * What a centre gets when it sets quiet hours and names no urgent types: a patient being called
 * or about to be, a doctor's emergency leave, a cancellation or reschedule of today's visit, and,
 * for staff, a lab test requested `stat`.
 */
export const DEFAULT_URGENT_TYPES: readonly UrgentType[] = [
  { eventType: 'walkin.token_called' },
  { eventType: 'walkin.approaching_turn' },
  { eventType: 'doctor.emergency_leave' },
  { eventType: 'appointment.cancelled', sameDay: true },
  { eventType: 'appointment.rescheduled', sameDay: true },
  { eventType: 'lab.test_requested', priority: 'stat' },
];

export const QUIET_HOURS_EVENT_TYPES = { set: 'QuietHoursSet', cleared: 'QuietHoursCleared' } as const;

/** An admin set a centre's quiet hours; they apply to events recorded after it. */
export interface QuietHoursSet extends QuietHours {
  centreId: string;
  actor: string;
  at: string;
}

/** An admin removed a centre's quiet hours: from the next event on, nothing waits. */
export interface QuietHoursCleared {
  centreId: string;
  actor: string;
  at: string;
}

/** The quiet hours in force at a centre (as of the ledger position of the event being planned), or null. */
export type QuietHoursLookup = (centreId: string) => QuietHours | null;

/** The types whose payload names a slot (an appointment, or emergency leave's affected ones): `sameDay` needs one. */
const SLOT_TYPES = new Set<string>([
  'appointment.confirmed',
  'appointment.pending_approval',
  'appointment.rejected',
  'appointment.cancelled',
  'appointment.rescheduled',
  'appointment.completed',
  'appointment.no_show',
  'appointment.reminder',
  'doctor.emergency_leave',
  'clinical.prescription_ready',
]);

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

export interface QuietHoursInput {
  from: string;
  until: string;
  /** Absent or null: the defaults. An empty list: nothing is urgent. */
  urgent?: readonly { eventType: string; sameDay?: boolean | null; priority?: string | null }[] | null;
}

/** An admin's quiet hours, checked: every issue names its field (`urgent[2].eventType`), never the value. */
export function parseQuietHours(raw: QuietHoursInput): Result<QuietHours, FieldIssue[]> {
  const issues: FieldIssue[] = [];
  for (const field of ['from', 'until'] as const) {
    if (!TIME.test(raw[field])) issues.push({ path: field, message: 'must be a 24-hour time HH:MM, e.g. 22:00' });
  }
  if (issues.length === 0 && raw.from === raw.until) issues.push({ path: 'until', message: 'must differ from `from` (to remove quiet hours, clear them)' });

  const urgent: UrgentType[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of (raw.urgent ?? DEFAULT_URGENT_TYPES).entries()) {
    const path = `urgent[${i}]`;
    if (!isEventType(entry.eventType) || entry.eventType === 'walkin.queue_updated') {
      issues.push({ path: `${path}.eventType`, message: 'must be an event type of the catalogue that notifies someone' });
      continue;
    }
    const type: UrgentType = { eventType: entry.eventType };
    if (entry.sameDay) {
      if (SLOT_TYPES.has(entry.eventType)) type.sameDay = true;
      else issues.push({ path: `${path}.sameDay`, message: `${entry.eventType} names no slot` });
    }
    if (entry.priority != null) {
      if (entry.eventType !== 'lab.test_requested') issues.push({ path: `${path}.priority`, message: 'only lab.test_requested has a priority' });
      else if (!(LAB_PRIORITIES as readonly string[]).includes(entry.priority)) issues.push({ path: `${path}.priority`, message: 'must be routine, urgent or stat' });
      else type.priority = entry.priority as LabPriority;
    }
    // One entry per (type, priority): a second, with or without sameDay, would only blur which one applies.
    const key = `${type.eventType}|${type.priority ?? ''}`;
    if (seen.has(key)) issues.push({ path, message: `${entry.eventType}${type.priority ? ` (${type.priority})` : ''} is listed twice` });
    seen.add(key);
    urgent.push(type);
  }
  return issues.length > 0 ? err(issues) : ok({ from: raw.from, until: raw.until, urgent });
}

/** What quiet hours make of a message due now. */
export type QuietHoursVerdict =
  | { kind: 'send-now' }
  /** Inside the window: sent at its end (an instant, DST-safe), `window` says which (`22:00-08:00 Asia/Kolkata`). */
  | { kind: 'defer'; until: Date; window: string }
  /** Inside the window, and its deadline comes before the window ends: it will never be sent. */
  | { kind: 'expire'; until: Date; window: string };

export interface QuietHoursFacts {
  eventType: EventType;
  /** The centre's IANA time zone. */
  timeZone: string;
  /** The dates (`YYYY-MM-DD`, the centre's) of the slots the message is about: for `sameDay`. */
  slotDates: readonly string[];
  /** lab.test_requested's priority, if any. */
  priority: string | null;
  /** When the message would go out. */
  dueAt: Date;
  /** Its relevance deadline, if it has one. */
  sendBy: Date | null;
}

/** Send now, wait for the window's end, or expire (the deadline falls before the window ends). */
export function decideQuietHours(quiet: QuietHours, facts: QuietHoursFacts): QuietHoursVerdict {
  const until = quietUntil(quiet, facts.timeZone, facts.dueAt);
  if (!until || isUrgent(quiet.urgent, facts)) return { kind: 'send-now' };
  const window = `${quiet.from}-${quiet.until} ${facts.timeZone}`;
  // The dispatcher expires a message at its deadline, so one due exactly at the window's end is lost too.
  if (facts.sendBy && facts.sendBy.getTime() <= until.getTime()) return { kind: 'expire', until, window };
  return { kind: 'defer', until, window };
}

function isUrgent(urgent: readonly UrgentType[], facts: QuietHoursFacts): boolean {
  const today = localDateAt(facts.dueAt, facts.timeZone);
  return urgent.some((u) =>
    u.eventType === facts.eventType
    && (!u.sameDay || facts.slotDates.includes(today))
    && (!u.priority || u.priority === facts.priority));
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const DAY_MS = 24 * 3_600_000;

/**
 * The end of the window `at` falls in, as an instant, or null when `at` is outside it. The end is
 * the next `until` on the centre's wall clock, so a window across a daylight-saving change still
 * ends at 08:00 local; an `until` the clocks skip ends it at the jump, when the clock passes it.
 */
export function quietUntil(quiet: Pick<QuietHours, 'from' | 'until'>, timeZone: string, at: Date): Date | null {
  const wall = new Date(at.getTime() + zoneOffsetMs(at.getTime(), timeZone));
  const minute = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  const from = minutesOf(quiet.from);
  const until = minutesOf(quiet.until);
  const crossesMidnight = from > until;
  const inside = crossesMidnight ? minute >= from || minute < until : minute >= from && minute < until;
  if (!inside) return null;
  // Before midnight in a window that crosses it, the end is tomorrow's.
  const endsTomorrow = crossesMidnight && minute >= from;
  const date = new Date(wall.getTime() + (endsTomorrow ? DAY_MS : 0)).toISOString().slice(0, 10);
  return firstInstantPast(date, quiet.until, timeZone);
}

const MINUTE_MS = 60_000;
const wallMs = (instantMs: number, timeZone: string): number => instantMs + zoneOffsetMs(instantMs, timeZone);

/** The first instant the centre's clock reads `date hhmm` or later: the wall time itself, or the jump that skips it. */
function firstInstantPast(date: string, hhmm: string, timeZone: string): Date {
  const candidate = slotInstant({ slotDate: date, slotTime: hhmm }, timeZone).getTime();
  const target = Date.parse(`${date}T${hhmm}:00Z`);
  if (wallMs(candidate, timeZone) === target) return new Date(candidate);
  // Skipped by a jump forward (at most a few hours ahead): find it to the minute.
  let before = candidate;
  let after = candidate + 4 * 60 * MINUTE_MS;
  while (after - before > MINUTE_MS) {
    const mid = before + Math.floor((after - before) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallMs(mid, timeZone) >= target) after = mid;
    else before = mid;
  }
  return new Date(after);
}
