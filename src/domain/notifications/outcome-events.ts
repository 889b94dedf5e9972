import { deterministicUuid } from '../ids.ts';
import { NOTIFICATION_EVENT_TYPES as T, type AttemptFailed, type AttemptStarted, type NotificationExpired, type NotificationFailed, type NotificationSent, type NotificationSuppressed } from './notification-events.ts';
import type { SendOutcome } from './send-outcome.ts';

/** Who appends a notification's events and why: the same for every event of one delivery. */
export interface DeliveryContext {
  notificationId: string;
  /** The inbound eventId behind the notification (the notification's own id when none is known). */
  correlationId: string;
  /** The dispatcher that appends. */
  actor: string;
}

/** One event of `notification-<id>`, in the shape the ledger appends. */
export type NotificationDeliveryEvent =
  | DeliveryEvent<typeof T.attemptStarted, AttemptStarted>
  | DeliveryEvent<typeof T.sent, NotificationSent>
  | DeliveryEvent<typeof T.attemptFailed, AttemptFailed>
  | DeliveryEvent<typeof T.failed, NotificationFailed>
  | DeliveryEvent<typeof T.expired, NotificationExpired>
  | DeliveryEvent<typeof T.suppressed, NotificationSuppressed>;

interface DeliveryEvent<Type extends string, Data> {
  id: string;
  type: Type;
  data: Data;
  metadata: { correlationId: string; actor: string };
}

/**
 * The event at `revision` of the notification's stream. Its id is derived from the revision, so an
 * append repeated after a crash is the same event, not a second one.
 */
export function deliveryEvent<E extends NotificationDeliveryEvent>(context: DeliveryContext, revision: bigint, type: E['type'], data: E['data']): E {
  return {
    id: deterministicUuid('notification-event', context.notificationId, revision.toString(), type),
    type,
    data,
    metadata: { correlationId: context.correlationId, actor: context.actor },
  } as E;
}

/** What one attempt came to, with the retry already decided (null: no retry, for want of attempts or because it cannot succeed). */
export interface AttemptOutcome {
  attempt: number;
  outcome: SendOutcome;
  at: Date;
  retryAt: Date | null;
  /** For a send: whether its provider reports delivery back. */
  receiptsExpected?: boolean;
}

/**
 * The events that record an attempt's outcome, from `revision` on (one revision each):
 * - sent: NotificationSent;
 * - a failure that will be retried (retryable, timed out, rate-limited, or one that paused the channel): AttemptFailed with its retryAt;
 * - a failure that will not: AttemptFailed without a retryAt, then NotificationFailed.
 * A failure's other consequences (opt-out, paused channel) are not the notification's: the channels record those.
 */
export function outcomeEvents(context: DeliveryContext, revision: bigint, attempt: AttemptOutcome): NotificationDeliveryEvent[] {
  const { outcome, at } = attempt;
  if (outcome.kind === 'sent') {
    return [deliveryEvent(context, revision, T.sent, {
      notificationId: context.notificationId,
      attempt: attempt.attempt,
      provider: outcome.provider,
      providerMessageId: outcome.providerMessageId,
      sentAt: at.toISOString(),
      ...(attempt.receiptsExpected === undefined ? {} : { receiptsExpected: attempt.receiptsExpected }),
    })];
  }
  const failed = deliveryEvent(context, revision, T.attemptFailed, {
    notificationId: context.notificationId,
    attempt: attempt.attempt,
    provider: outcome.provider,
    retryable: outcome.retryable,
    code: outcome.code,
    message: outcome.message,
    failedAt: at.toISOString(),
    retryAt: attempt.retryAt?.toISOString() ?? null,
  });
  if (attempt.retryAt !== null) return [failed];
  return [failed, deliveryEvent(context, revision + 1n, T.failed, {
    notificationId: context.notificationId,
    attempts: attempt.attempt,
    code: outcome.code,
    message: outcome.message,
    failedAt: at.toISOString(),
  })];
}

/** No attempt finished within the attempt timeout and none are left: the notification has failed. */
export function abandonedEvents(context: DeliveryContext, revision: bigint, attempts: number, lastFailure: AttemptFailed | null, at: Date): NotificationDeliveryEvent[] {
  return [deliveryEvent(context, revision, T.failed, {
    notificationId: context.notificationId,
    attempts,
    code: lastFailure?.code ?? 'attempt-abandoned',
    message: lastFailure?.message ?? 'no attempt finished within the attempt timeout',
    failedAt: at.toISOString(),
  })];
}

/** The notification passed its relevance deadline before it could be sent. */
export function expiredEvents(context: DeliveryContext, revision: bigint, expiry: { sendBy: string; attempts: number }, at: Date): NotificationDeliveryEvent[] {
  return [deliveryEvent(context, revision, T.expired, {
    notificationId: context.notificationId,
    sendBy: expiry.sendBy,
    reason: expiry.attempts > 0 ? 'retries-ran-past-deadline' : 'not-sent-in-time',
    attempts: expiry.attempts,
    expiredAt: at.toISOString(),
  })];
}

