import type { EventType } from '../event-catalogue.ts';

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
