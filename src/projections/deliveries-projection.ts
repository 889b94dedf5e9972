import { sql, type Insertable, type Transaction, type UpdateObject } from 'kysely';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type AttemptFailed,
  type AttemptStarted,
  type NotificationFailed,
  type NotificationPlanned,
  type NotificationSent,
  type NotificationStatus,
  type NotificationSuppressed,
  type RetryRequested,
  type StatusReported,
} from '../domain/notification-events.ts';
import { categoryOf, idOf } from '../domain/stream-name.ts';
import type { RecordedEvent } from '../ledger/event-store.ts';
import type { Projection } from './projection-runner.ts';
import type { NotificationTable, ReadModelDatabase } from './read-model-database.ts';

const RANK: Record<NotificationStatus, number> = { planned: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5, bounced: 5, suppressed: 5 };
const TERMINAL = new Set<NotificationStatus>(['failed', 'bounced', 'suppressed']);

/**
 * The status a provider report moves a notification to, or null when it would move it backwards.
 * Reports arrive unordered: `delivered` after `read` changes nothing, and a failure after delivery
 * is noted in the timeline but does not undo the delivery.
 */
export function statusAfterReport(current: NotificationStatus, reported: StatusReported['status']): NotificationStatus | null {
  if (TERMINAL.has(current)) return null;
  if (reported === 'failed' || reported === 'bounced') return RANK[current] <= RANK.sent ? reported : null;
  return RANK[reported] > RANK[current] ? reported : null;
}

/** One applied event of a notification's stream, in ledger order. */
export interface DeliveryChange {
  notificationId: string;
  type: string;
  data: unknown;
  recordedAt: Date;
}

export interface DeliveriesProjectionOptions {
  /** Told after each commit which notifications changed: the dispatcher's and subscriptions' wake-up. */
  onChanged?: (changes: readonly DeliveryChange[]) => void;
}

/** The notifications read model: one row per notification, its status, attempts and provider ids. */
export function deliveriesProjection(options: DeliveriesProjectionOptions = {}): Projection {
  return {
    name: 'deliveries',
    handles: (e) => categoryOf(e.stream) === 'notification' && Object.values(T).includes(e.type as (typeof T)[keyof typeof T]),
    apply: applyDelivery,
    afterCommit: (events) =>
      options.onChanged?.(events.map((e) => ({ notificationId: idOf(e.stream)!, type: e.type, data: e.data, recordedAt: e.recordedAt }))),
  };
}

async function applyDelivery(trx: Transaction<ReadModelDatabase>, event: RecordedEvent): Promise<void> {
  const notificationId = idOf(event.stream)!;
  const revision = event.revision.toString();
  const at = event.recordedAt;
  // Every change to an existing row: only if this event is newer than what it shows, stamped with it.
  const update = (values: UpdateObject<ReadModelDatabase, 'notifications'>) =>
    trx
      .updateTable('notifications')
      .set({ ...values, updated_at: at, applied_revision: revision })
      .where('notification_id', '=', notificationId)
      .where('applied_revision', '<', revision)
      .execute();

  // What a planned and a suppressed notification share: who, what for, and why.
  const identity = (n: NotificationPlanned | NotificationSuppressed) => ({
    notification_id: notificationId,
    event_id: n.eventId,
    event_type: n.eventType,
    centre_id: n.centreId,
    booking_reference: n.bookingReference,
    appointment_id: n.appointmentId,
    channel: n.channel,
    recipient_kind: n.recipient.kind,
    recipient_id: n.recipient.id,
    recipient_address: n.recipient.address,
    selection: JSON.stringify(n.selection),
    created_at: at,
    updated_at: at,
    applied_revision: revision,
  });
  const insertNotification = (values: Insertable<NotificationTable>) =>
    trx.insertInto('notifications').values(values).onConflict((oc) => oc.column('notification_id').doNothing()).execute();

  switch (event.type) {
    case T.planned: {
      const p = event.data as NotificationPlanned;
      await insertNotification({
        ...identity(p),
        locale: p.template.locale,
        template_key: p.template.key,
        template_version: p.template.version,
        status: 'planned',
        due_at: p.dueAt,
      });
      return;
    }
    case T.suppressed: {
      const s = event.data as NotificationSuppressed;
      await insertNotification({ ...identity(s), locale: s.recipient.locale, status: 'suppressed', suppression_reason: s.reason, last_error: s.detail });
      return;
    }
    case T.attemptStarted: {
      const a = event.data as AttemptStarted;
      await update({
        status: sql`case when status in ('planned', 'sending') then 'sending' else status end`,
        attempts: a.attempt,
        possible_duplicate: a.possibleDuplicate ? true : sql<boolean>`possible_duplicate`,
      });
      return;
    }
    case T.sent: {
      const s = event.data as NotificationSent;
      await update({
        status: sql`case when status in ('planned', 'sending') then 'sent' else status end`,
        provider: s.provider,
        provider_message_id: s.providerMessageId,
        due_at: null,
      });
      return;
    }
    case T.attemptFailed: {
      const f = event.data as AttemptFailed;
      const retrying = f.retryable && f.retryAt !== null;
      await update({
        status: retrying ? sql`case when status in ('planned', 'sending') then 'planned' else status end` : sql`status`,
        provider: f.provider,
        last_error_code: f.code,
        last_error: f.message,
        due_at: retrying ? f.retryAt : null,
      });
      return;
    }
    case T.failed: {
      const f = event.data as NotificationFailed;
      await update({
        status: sql`case when status in ('planned', 'sending', 'sent') then 'failed' else status end`,
        last_error_code: f.code,
        last_error: f.message,
        due_at: null,
      });
      return;
    }
    case T.retryRequested: {
      const r = event.data as RetryRequested;
      await update({
        status: sql`case when status = 'failed' then 'planned' else status end`,
        due_at: sql`case when status = 'failed' then ${r.requestedAt}::timestamptz else due_at end`,
      });
      return;
    }
    case T.statusReported: {
      const r = event.data as StatusReported;
      const current = await trx
        .selectFrom('notifications')
        .select(['status', 'applied_revision'])
        .where('notification_id', '=', notificationId)
        .executeTakeFirst();
      if (!current || BigInt(current.applied_revision) >= event.revision) return;
      const next = statusAfterReport(current.status as NotificationStatus, r.status);
      await update({
        ...(next ? { status: next } : {}),
        ...(next === 'failed' || next === 'bounced' ? { last_error_code: r.code, last_error: r.detail, due_at: null } : {}),
      });
      return;
    }
    default:
      return;
  }
}
