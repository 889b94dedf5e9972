import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { NOTIFICATION_EVENT_TYPES, type RetryRequested } from '../../domain/notification-events.ts';
import { decideRetry, evolveNotification, initialNotificationState, type RetryRefusal } from '../../domain/notification-state.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { formatPosition, readStreamToArray, type EventStore } from '../../ledger/event-store.ts';

const CONFLICT_RETRIES = 5;

/**
 * Appends RetryRequested to a failed notification's stream at the revision it read, so it cannot
 * slip in beside a concurrent attempt or a second admin's retry.
 */
export async function retryNotification(
  deps: { store: EventStore; clock: Clock },
  notificationId: string,
  actor: string,
): Promise<Result<RetryRequested & { position: string }, RetryRefusal>> {
  const stream = streamName.notification(notificationId);
  for (let attempt = 0; ; attempt++) {
    const history = await readStreamToArray(deps.store, stream);
    const state = history.reduce(evolveNotification, initialNotificationState);
    const decision = decideRetry(state);
    if (!decision.ok) return decision;
    const retry: RetryRequested = {
      notificationId,
      previousAttempts: decision.value.previousAttempts,
      requestedAt: deps.clock.now().toISOString(),
      actor,
    };
    const result = await deps.store.append(
      stream,
      [{
        id: randomUUID(),
        type: NOTIFICATION_EVENT_TYPES.retryRequested,
        data: retry,
        metadata: { actor, correlationId: state.planned?.eventId ?? notificationId },
      }],
      BigInt(history.length - 1),
    );
    if (result.ok) return ok({ ...retry, position: formatPosition(result.position) });
    if (attempt >= CONFLICT_RETRIES) return err({ reason: 'not-failed', phase: state.phase });
  }
}
