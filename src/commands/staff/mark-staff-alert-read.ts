import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { IN_APP_PROVIDER, NOTIFICATION_EVENT_TYPES as T, type StatusReported } from '../../domain/notifications/notification-events.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, type EventStore, type LedgerPosition, type RecordedEvent } from '../../ledger/event-store.ts';
import { handleCommand, isConflict } from '../handle-command.ts';

/** What the command needs of an alert; the staff-alerts read model has it. */
export interface AlertToMark {
  notificationId: string;
  staffId: string;
  eventId: string;
  readAt: Date | null;
  readBy: string | null;
}

/** Where alerts are looked up and their read mark kept (the staff-alerts read model). */
export interface StaffAlertBook<A extends AlertToMark> {
  find(notificationId: string): Promise<A | null>;
  markRead(notificationId: string, readAt: Date, readBy: string): Promise<void>;
}

export type MarkReadRejection = { kind: 'not-found'; staffId: string; notificationId: string };

interface ReadMark {
  reportedAt: string;
  actor: string | null;
}

/** The first in-app read in a notification's stream, with who made it. */
const readFold = {
  initialState: null as ReadMark | null,
  evolve: (mark: ReadMark | null, e: RecordedEvent): ReadMark | null => {
    if (mark || e.type !== T.statusReported) return mark;
    const report = e.data as StatusReported;
    if (report.provider !== IN_APP_PROVIDER || report.status !== 'read') return null;
    return { reportedAt: report.reportedAt, actor: typeof e.metadata.actor === 'string' ? e.metadata.actor : null };
  },
};

/**
 * Marks a staff member's in-app alert read: a StatusReported(read) from the in-app "provider" in
 * the notification's own stream, with who did it, so the notification's status reaches `read`
 * like any provider's. Marking it again changes nothing.
 */
export async function markStaffAlertRead<A extends AlertToMark>(
  deps: { store: EventStore; clock: Clock; alerts: StaffAlertBook<A> },
  command: { staffId: string; notificationId: string; actor: string },
): Promise<Result<{ alert: A; position: LedgerPosition | null }, MarkReadRejection>> {
  const { staffId, notificationId, actor } = command;
  const alert = /^[0-9a-f-]{36}$/i.test(notificationId) ? await deps.alerts.find(notificationId) : null;
  if (!alert || alert.staffId !== staffId) return err({ kind: 'not-found', staffId, notificationId });

  const result = await handleCommand(deps.store, streamName.notification(notificationId), readFold, (earlier, _command: null, now) => {
    if (earlier) return ok({ answer: { readAt: new Date(earlier.reportedAt), readBy: earlier.actor }, events: [] });
    const report: StatusReported = {
      notificationId,
      provider: IN_APP_PROVIDER,
      providerMessageId: `in-app-${notificationId}`,
      status: 'read',
      code: null,
      detail: null,
      reportedAt: now.toISOString(),
      reportId: `in-app-read-${notificationId}`,
    };
    return ok({
      answer: { readAt: now, readBy: actor as string | null },
      events: [{ id: deterministicUuid('in-app-read', notificationId), type: T.statusReported, data: report, metadata: { actor, correlationId: alert.eventId } }],
    });
  }, { command: null, clock: deps.clock });
  if (!result.ok) {
    // The decider refuses nothing: the only way not to answer is a stream too contended to change.
    if (isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
    throw new Error(`unexpected refusal marking ${notificationId} read`);
  }
  const { answer, position } = result.value;
  if (!position) return ok({ alert: { ...alert, readAt: alert.readAt ?? answer.readAt, readBy: alert.readBy ?? answer.readBy }, position: null });
  await deps.alerts.markRead(notificationId, answer.readAt, actor);
  return ok({ alert: { ...alert, readAt: answer.readAt, readBy: actor }, position });
}
