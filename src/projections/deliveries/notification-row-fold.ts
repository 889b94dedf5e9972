import type { Selectable } from 'kysely';
import {
  NOTIFICATION_EVENT_TYPES as T,
  type AttemptFailed,
  type AttemptStarted,
  type NotificationDeferred,
  type NotificationExpired,
  type NotificationFailed,
  type NotificationPlanned,
  type NotificationSent,
  type NotificationStatus,
  type NotificationSuppressed,
  type RetryRequested,
  type StatusReported,
} from '../../domain/notifications/notification-events.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { sealedAt } from '../../domain/keys/sealed-cell.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { statusAfterReport } from '../../domain/notifications/notification-status.ts';
import type { NotificationTable } from '../read-model-database.ts';

/** The columns that say who a notification is for and why. */
type IdentityColumn =
  | 'event_id' | 'event_type' | 'centre_id' | 'booking_reference' | 'appointment_id' | 'channel' | 'recipient_kind'
  | 'recipient_id' | 'recipient_address' | 'recipient_address_hash' | 'locale' | 'template_key' | 'template_version' | 'selection'
  | 'suppression_reason' | 'created_at' | 'fallback_of';

/**
 * Who a notification is for and why: written once, when its first event creates the row. The
 * table's own columns, as the fold holds them: the selection as its object (written as jsonb) and
 * the creation time as its ISO text.
 */
export type NotificationIdentity = {
  [K in IdentityColumn]: K extends 'selection' ? unknown : K extends 'created_at' ? string : Selectable<NotificationTable>[K];
};

/** The columns the deliveries projection moves as a notification's events arrive. */
export interface NotificationProgress {
  status: NotificationStatus;
  attempts: number;
  possible_duplicate: boolean;
  provider: string | null;
  provider_message_id: string | null;
  last_error_code: string | null;
  last_error: string | null;
  due_at: string | null;
  updated_at: string;
  applied_revision: bigint;
}

/**
 * A notification row as a batch of its events leaves it. `due_at` is shared with the dispatcher
 * (it hands a row back with the time it is due again): it is written only when an event set it.
 */
export interface FoldedNotification extends NotificationProgress {
  notification_id: string;
  /** Set when an event of this batch created the row; null when it was there before. */
  identity: NotificationIdentity | null;
  due_at_set: boolean;
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** The keyed hash an address is looked up by, as erasure and conversations compute it for its channel. */
export type AddressHash = (channel: Channel, address: string) => string;

export const addressHashUnder = (keys: Pick<LedgerKeys, 'contactHash'>): AddressHash => (channel, address) => contactHash(keys, contactKindOf(channel), address);

/**
 * Where a notification went, as the row keeps it: the address sealed as the event keeps it (a cell;
 * `[erased]` where its key was already gone), and its keyed hash for lookups, none once erased.
 */
function addressColumns(event: RecordedEvent, n: NotificationPlanned | NotificationSuppressed, hashOf: AddressHash) {
  const address = n.recipient.address;
  if (address === null || address === undefined) return { recipient_address: null, recipient_address_hash: null };
  return {
    recipient_address: sealedAt<string>(event, ['recipient', 'address']),
    recipient_address_hash: address === ERASED ? null : hashOf(n.channel, address),
  };
}

/**
 * One event of `notification-<id>` applied to its row, as the ledger orders them. An event at or
 * below the revision the row shows changes nothing, so applying a batch again is harmless; events
 * before the row exists (impossible in a well-formed stream) change nothing either.
 */
export function foldNotificationEvent(row: FoldedNotification | null, notificationId: string, event: RecordedEvent, hashOf: AddressHash): FoldedNotification | null {
  const at = event.recordedAt.toISOString();
  if (event.type === T.planned || (event.type === T.suppressed && !row)) {
    if (row) return row;
    const n = event.data as NotificationPlanned | NotificationSuppressed;
    const planned = event.type === T.planned ? (n as NotificationPlanned) : null;
    const suppressed = event.type === T.suppressed ? (n as NotificationSuppressed) : null;
    return {
      notification_id: notificationId,
      identity: {
        event_id: n.eventId,
        event_type: n.eventType,
        centre_id: n.centreId,
        booking_reference: n.bookingReference,
        appointment_id: n.appointmentId,
        channel: n.channel,
        recipient_kind: n.recipient.kind,
        recipient_id: n.recipient.id,
        ...addressColumns(event, n, hashOf),
        locale: planned?.template?.locale ?? n.recipient.locale,
        template_key: planned?.template?.key ?? null,
        template_version: planned?.template?.version ?? null,
        selection: n.selection,
        suppression_reason: suppressed?.reason ?? null,
        created_at: at,
        fallback_of: n.fallbackOf ?? null,
      },
      status: planned ? 'planned' : 'suppressed',
      attempts: 0,
      possible_duplicate: false,
      provider: null,
      provider_message_id: null,
      last_error_code: null,
      last_error: suppressed?.detail ?? null,
      due_at: planned ? iso(planned.dueAt) : null,
      due_at_set: planned !== null,
      updated_at: at,
      applied_revision: event.revision,
    };
  }
  if (!row || row.applied_revision >= event.revision) return row;
  const moved = progressOf(row, event);
  if (!moved) return row;
  const { due_at, ...rest } = moved;
  return {
    ...row,
    ...rest,
    ...(due_at !== undefined ? { due_at: iso(due_at), due_at_set: true } : {}),
    updated_at: at,
    applied_revision: event.revision,
  };
}

type Progress = Partial<Omit<NotificationProgress, 'due_at' | 'updated_at' | 'applied_revision'>> & { due_at?: Date | string | null };

/** What one event changes, given the row before it; null for an event the read model ignores. */
function progressOf(row: FoldedNotification, event: RecordedEvent): Progress | null {
  const { status } = row;
  const isOpen = status === 'planned' || status === 'deferred' || status === 'sending';
  switch (event.type) {
    case T.attemptStarted: {
      const a = event.data as AttemptStarted;
      return { status: isOpen ? 'sending' : status, attempts: a.attempt, possible_duplicate: row.possible_duplicate || a.possibleDuplicate };
    }
    case T.sent: {
      const s = event.data as NotificationSent;
      return { status: isOpen ? 'sent' : status, provider: s.provider, provider_message_id: s.providerMessageId, due_at: null };
    }
    case T.attemptFailed: {
      const f = event.data as AttemptFailed;
      const retrying = f.retryAt !== null;
      return {
        status: retrying && isOpen ? 'planned' : status,
        provider: f.provider,
        last_error_code: f.code,
        last_error: f.message,
        due_at: retrying ? f.retryAt : null,
      };
    }
    case T.failed: {
      const f = event.data as NotificationFailed;
      return { status: isOpen || status === 'sent' ? 'failed' : status, last_error_code: f.code, last_error: f.message, due_at: null };
    }
    case T.expired: {
      const e = event.data as NotificationExpired;
      return { status: isOpen ? 'expired' : status, last_error_code: 'expired', last_error: `not sent by its deadline ${e.sendBy}`, due_at: null };
    }
    case T.deferred: {
      const d = event.data as NotificationDeferred;
      return status === 'planned' ? { status: 'deferred', due_at: d.until } : {};
    }
    case T.suppressed: {
      // After it was planned: a fallback whose original was delivered first, or a deferred reminder overtaken.
      const s = event.data as NotificationSuppressed;
      return isOpen ? { status: 'suppressed', last_error_code: s.reason, last_error: s.detail, due_at: null } : {};
    }
    case T.retryRequested: {
      const r = event.data as RetryRequested;
      return status === 'failed' ? { status: 'planned', due_at: r.requestedAt } : {};
    }
    case T.statusReported: {
      const r = event.data as StatusReported;
      const next = statusAfterReport(status, r.status);
      if (!next) return {};
      return next === 'failed' || next === 'bounced' ? { status: next, last_error_code: r.code, last_error: r.detail, due_at: null } : { status: next };
    }
    default:
      return null;
  }
}
