import type { Kysely } from 'kysely';
import { deterministicUuid } from '../domain/ids.ts';
import { NOTIFICATION_EVENT_TYPES as T, type StatusReported } from '../domain/notification-events.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamToArray, type LedgerPosition } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from './read-model-database.ts';
import type { CommandDeps } from './routing-rule-commands.ts';
import { findStaffAlert, setStaffAlertRead, type StaffAlert } from './staff-alerts.queries.ts';
import { IN_APP_PROVIDER } from '../domain/notification-events.ts';

export type MarkReadRejection = { kind: 'not-found'; staffId: string; notificationId: string };

const ATTEMPTS = 3;

/**
 * Marks a staff member's in-app alert read: a StatusReported(read) from the in-app "provider" in
 * the notification's own stream, with who did it, so the notification's status reaches `read`
 * like any provider's. Marking it again changes nothing.
 */
export async function markStaffAlertRead(
  deps: CommandDeps & { db: Kysely<ReadModelDatabase> },
  command: { staffId: string; notificationId: string; actor: string },
): Promise<Result<{ alert: StaffAlert; position: LedgerPosition | null }, MarkReadRejection>> {
  const { staffId, notificationId, actor } = command;
  const alert = /^[0-9a-f-]{36}$/i.test(notificationId) ? await findStaffAlert(deps.db, notificationId) : null;
  if (!alert || alert.staffId !== staffId) return err({ kind: 'not-found', staffId, notificationId });

  const stream = streamName.notification(notificationId);
  for (let attempt = 1; ; attempt++) {
    const history = await readStreamToArray(deps.store, stream);
    const earlier = history.find((e) => e.type === T.statusReported && isInAppRead(e.data as StatusReported));
    if (earlier) {
      const read = earlier.data as StatusReported;
      const readBy = typeof earlier.metadata.actor === 'string' ? earlier.metadata.actor : null;
      return ok({ alert: { ...alert, readAt: alert.readAt ?? new Date(read.reportedAt), readBy: alert.readBy ?? readBy }, position: null });
    }
    const now = deps.clock.now();
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
    const appended = await deps.store.append(stream, [{
      id: deterministicUuid('in-app-read', notificationId),
      type: T.statusReported,
      data: report,
      metadata: { actor, correlationId: alert.eventId },
    }], BigInt(history.length - 1));
    if (appended.ok) {
      await setStaffAlertRead(deps.db, notificationId, now, actor);
      return ok({ alert: { ...alert, readAt: now, readBy: actor }, position: appended.position });
    }
    if (attempt >= ATTEMPTS) throw appended.error;
  }
}

const isInAppRead = (r: StatusReported) => r.provider === IN_APP_PROVIDER && r.status === 'read';
