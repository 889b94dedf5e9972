import { ERASED } from '../keys/personal-data.ts';
import type { NotificationPlanned, NotificationSuppressed } from '../notifications/notification-events.ts';
import type { StaffMember } from '../staff-routing/staff-directory.ts';

/** Whether what was planned can no longer be sent: its recipient's keys are gone, so their address reads `[erased]`. */
export const isErasedRecipient = (planned: Pick<NotificationPlanned, 'recipient'>): boolean =>
  planned.recipient.address === ERASED || planned.recipient.name === ERASED;

/**
 * Whether a staff member's record is one recorded before they were erased: their name and contacts
 * read `[erased]` (sealed under the same key, they go together). Only a new upsert brings them back.
 */
export const isErasedStaffMember = (member: Pick<StaffMember, 'name'>): boolean => member.name === ERASED;

/** A planned notification not sent because its recipient was erased: its identity kept, no address. */
export function erasedSuppression(planned: NotificationPlanned, at: Date): NotificationSuppressed {
  return {
    notificationId: planned.notificationId,
    eventId: planned.eventId,
    eventType: planned.eventType,
    centreId: planned.centreId,
    bookingReference: planned.bookingReference,
    appointmentId: planned.appointmentId,
    channel: planned.channel,
    recipient: { kind: planned.recipient.kind, id: planned.recipient.id, locale: planned.recipient.locale, address: null },
    selection: planned.selection,
    reason: 'erased',
    detail: `the ${planned.recipient.kind === 'staff' ? 'staff member' : 'patient'} was erased`,
    suppressedAt: at.toISOString(),
    ...(planned.fallbackOf ? { fallbackOf: planned.fallbackOf } : {}),
  };
}
