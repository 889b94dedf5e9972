import type { EventType } from '../event-catalogue.ts';
import type { FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

/**
 * How long a message stays worth sending. Counted from our receipt of the event (never the upstream
 * clock, which may be wrong), or from the slot it is about: a confirmation after its slot has
 * started, or "your turn is near" an hour later, helps nobody and confuses many.
 */
export type DeadlineRule =
  | { kind: 'after-receipt'; minutes: number }
  /** The slot start (for emergency leave: the affected appointment's); receipt + 72 h when the event names none. */
  | { kind: 'slot-start' }
  /** A reminder: its due time plus half its offset, and never after the slot starts (24 h -> +12 h, 30 min -> +15 min). */
  | { kind: 'reminder' };

const hours = (n: number): DeadlineRule => ({ kind: 'after-receipt', minutes: n * 60 });

export const DEFAULT_DEADLINE_RULES: Readonly<Record<EventType, DeadlineRule>> = {
  'appointment.confirmed': { kind: 'slot-start' },
  'appointment.rescheduled': { kind: 'slot-start' },
  'appointment.pending_approval': { kind: 'slot-start' },
  'appointment.cancelled': hours(72),
  'appointment.rejected': hours(72),
  'appointment.no_show': hours(72),
  'appointment.completed': hours(72),
  'appointment.reminder': { kind: 'reminder' },
  'walkin.token_called': { kind: 'after-receipt', minutes: 15 },
  'walkin.approaching_turn': { kind: 'after-receipt', minutes: 15 },
  'walkin.queue_updated': hours(72),
  'clinical.prescription_ready': hours(72),
  'clinical.report_ready': hours(72),
  'doctor.emergency_leave': { kind: 'slot-start' },
  'billing.bill_generated': hours(24),
  'billing.refund_processed': hours(24),
  'billing.deposit_received': hours(24),
  'package.purchased': hours(24),
  'package.redeemed': hours(24),
  'package.expired': hours(24),
  'package.exhausted': hours(24),
  'lab.test_requested': hours(24),
  'system.alert': hours(24),
  // The front desk can answer only while the patient's window is open.
  'patient.replied': hours(24),
};

export interface DeadlineFacts {
  /** When we recorded the event that causes the message. */
  receivedAt: Date;
  /** The slot the message is about, if any. */
  slotStart: Date | null;
  /** For a reminder: when it was due, its offset, and the slot. */
  reminder?: { dueAt: Date; offsetMs: number };
}

const MINUTE = 60_000;

/** The instant after which the message is no longer sent (`NotificationExpired`). */
export function sendByFor(rule: DeadlineRule, facts: DeadlineFacts): Date {
  switch (rule.kind) {
    case 'after-receipt':
      return new Date(facts.receivedAt.getTime() + rule.minutes * MINUTE);
    case 'slot-start':
      return facts.slotStart ?? new Date(facts.receivedAt.getTime() + 72 * 60 * MINUTE);
    case 'reminder': {
      if (!facts.reminder) return facts.slotStart ?? new Date(facts.receivedAt.getTime() + 72 * 60 * MINUTE);
      const late = facts.reminder.dueAt.getTime() + facts.reminder.offsetMs / 2;
      return new Date(facts.slotStart ? Math.min(late, facts.slotStart.getTime()) : late);
    }
  }
}

/** Slot-bound rules need a slot: the types whose events name one (or a reminder's). */
const SLOT_TYPES = new Set<string>(['appointment.confirmed', 'appointment.rescheduled', 'appointment.pending_approval', 'doctor.emergency_leave', 'appointment.reminder']);
const MAX_MINUTES = 30 * 24 * 60;

export const DEADLINE_EVENT_TYPES = { set: 'RelevanceDeadlineSet' } as const;

/** An admin's rule for an event type, at every centre or at one; it applies to events recorded after it. */
export interface RelevanceDeadlineSet {
  eventType: EventType;
  /** Null: every centre without a rule of its own. */
  centreId: string | null;
  rule: DeadlineRule;
  actor: string;
  at: string;
}

/** A rule an admin gave, checked: a typed issue names the field, never the value. */
export function parseDeadlineRule(eventType: EventType, raw: { kind: string; minutes?: number | null }): Result<DeadlineRule, FieldIssue[]> {
  switch (raw.kind) {
    case 'after-receipt': {
      const { minutes } = raw;
      if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
        return err([{ path: 'rule.minutes', message: `must be a whole number of minutes from 1 to ${MAX_MINUTES} (30 days)` }]);
      }
      return ok({ kind: 'after-receipt', minutes });
    }
    case 'slot-start':
      if (!SLOT_TYPES.has(eventType)) return err([{ path: 'rule.kind', message: `${eventType} names no slot: use after-receipt` }]);
      return ok({ kind: 'slot-start' });
    case 'reminder':
      if (eventType !== 'appointment.reminder') return err([{ path: 'rule.kind', message: 'only appointment.reminder has a reminder rule' }]);
      return ok({ kind: 'reminder' });
    default:
      return err([{ path: 'rule.kind', message: 'must be after-receipt, slot-start or reminder' }]);
  }
}

/** The rule in force: the centre's own, else the one for every centre, else the default. */
export type DeadlineRules = (eventType: EventType, centreId: string | null) => DeadlineRule;
export const defaultDeadlineRules: DeadlineRules = (eventType) => DEFAULT_DEADLINE_RULES[eventType];
