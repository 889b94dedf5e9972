import type { Transaction } from 'kysely';
import { IN_APP_PROVIDER, NOTIFICATION_EVENT_TYPES as T, type NotificationPlanned, type NotificationSent, type StatusReported } from '../../domain/notifications/notification-events.ts';
import type { RenderRecordedVersion } from '../../domain/templates/recorded-content.ts';
import { categoryOf, idOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { alertWordsOf } from './staff-alerts.queries.ts';

export { IN_APP_PROVIDER } from '../../domain/notifications/notification-events.ts';

/**
 * Staff members' in-app alerts, from the ledger: a row when an in-app notification is planned
 * (its recorded words, kept sealed as the ledger keeps them), visible once NotificationSent says
 * it was delivered, read once a StatusReported(read) says so. The in-app transport writes the same
 * row the moment it delivers; this projection makes it rebuildable by replay.
 */
export function staffAlertsProjection(options: { render: RenderRecordedVersion }): ReadModelProjection {
  return {
    name: 'staff-alerts',
    kind: 'read-model',
    handles: (e) => {
      if (categoryOf(e.stream) !== 'notification') return false;
      if (e.type === T.planned) return (e.data as NotificationPlanned).channel === 'in_app';
      if (e.type === T.sent) return (e.data as NotificationSent).provider === IN_APP_PROVIDER;
      if (e.type === T.statusReported) return (e.data as StatusReported).provider === IN_APP_PROVIDER;
      return false;
    },
    apply: (trx, event) => applyStaffAlert(trx, event, options.render),
  };
}

async function applyStaffAlert(trx: Transaction<ReadModelDatabase>, event: RecordedEvent, render: RenderRecordedVersion): Promise<void> {
  const notificationId = idOf(event.stream)!;
  if (event.type === T.planned) {
    const p = event.data as NotificationPlanned;
    const { title, body } = alertWordsOf(event, render);
    await trx
      .insertInto('staff_alerts')
      .values({
        notification_id: notificationId,
        staff_id: p.recipient.id,
        event_id: p.eventId,
        event_type: p.eventType,
        centre_id: p.centreId,
        title,
        body,
        selection: JSON.stringify(p.selection),
        // As the deliveries read model dates it (the transport may write this row first, from there).
        planned_at: event.recordedAt,
        about_kind: p.about?.kind ?? null,
        about_id: p.about?.id ?? null,
      })
      // The transport's row (written at delivery) knows nothing of whose words they are: this says.
      .onConflict((oc) => oc.column('notification_id').doUpdateSet({ about_kind: p.about?.kind ?? null, about_id: p.about?.id ?? null }))
      .execute();
    return;
  }
  if (event.type === T.sent) {
    const s = event.data as NotificationSent;
    await trx.updateTable('staff_alerts').set({ delivered_at: s.sentAt }).where('notification_id', '=', notificationId).execute();
    return;
  }
  const r = event.data as StatusReported;
  if (r.status !== 'read') return;
  await trx
    .updateTable('staff_alerts')
    .set({ read_at: r.reportedAt, read_by: typeof event.metadata.actor === 'string' ? event.metadata.actor : null })
    .where('notification_id', '=', notificationId)
    .where('read_at', 'is', null)
    .execute();
}
