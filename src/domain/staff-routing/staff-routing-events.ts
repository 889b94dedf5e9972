import type { RoutingOutcome } from './evaluate-staff-routing.ts';

/**
 * A staff event that reached nobody is recorded, never silently dropped, in
 * `staff-routing-<eventId>`: either no enabled rule matched it, or the rules that matched found no
 * active staff member (nobody holds the role at that centre).
 */
export const STAFF_ROUTING_EVENT_TYPES = { unrouted: 'StaffEventUnrouted' } as const;

/** The centre recorded for an event about the whole service (a `system.alert` naming no centre). */
export const SERVICE_WIDE_CENTRE = '*';

export type UnroutedReason = 'no-matching-rule' | 'no-recipients';

export interface StaffEventUnrouted {
  eventId: string;
  eventType: string;
  centreId: string;
  reason: UnroutedReason;
  /** The rules that matched and still found nobody (empty for no-matching-rule). */
  matchedRules: { ruleId: string; version: number }[];
  at: string;
}

/** The unrouted record for an outcome that reaches nobody, or null when someone is notified. */
export function unroutedFor(
  event: { eventId: string; eventType: string; centreId: string },
  outcome: RoutingOutcome,
  now: Date,
): StaffEventUnrouted | null {
  if (outcome.recipients.length > 0) return null;
  return {
    ...event,
    reason: outcome.matchedRules.length === 0 ? 'no-matching-rule' : 'no-recipients',
    matchedRules: outcome.matchedRules,
    at: now.toISOString(),
  };
}
