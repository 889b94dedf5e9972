import { randomUUID } from 'node:crypto';
import type { Clock } from '../../domain/clock.ts';
import { NOTIFICATION_EVENT_TYPES, type RetryRequested } from '../../domain/notifications/notification-events.ts';
import { decideRetry, evolveNotification, initialNotificationState, type RetryRefusal } from '../../domain/notifications/notification-state.ts';
import { ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { formatPosition, type EventStore } from '../../ledger/event-store.ts';
import { handleCommand, type CommandConflict } from '../handle-command.ts';

/**
 * Appends RetryRequested to a failed notification's stream at the revision it read, so it cannot
 * slip in beside a concurrent attempt or a second admin's retry. A stream that keeps changing
 * under it answers `conflict`: the notification may well be failed, it just would not hold still.
 */
export async function retryNotification(
  deps: { store: EventStore; clock: Clock },
  notificationId: string,
  actor: string,
): Promise<Result<RetryRequested & { position: string }, RetryRefusal | CommandConflict>> {
  const result = await handleCommand(
    deps.store,
    streamName.notification(notificationId),
    { initialState: initialNotificationState, evolve: evolveNotification },
    (state, command: { eventId: string }, now) => {
      const decision = decideRetry(state);
      if (!decision.ok) return decision;
      const retry: RetryRequested = { notificationId, previousAttempts: decision.value.previousAttempts, requestedAt: now.toISOString(), actor };
      return ok({
        answer: retry,
        events: [{
          id: command.eventId,
          type: NOTIFICATION_EVENT_TYPES.retryRequested,
          data: retry,
          metadata: { actor, correlationId: state.planned?.eventId ?? notificationId },
        }],
      });
    },
    { command: { eventId: randomUUID() }, clock: deps.clock },
  );
  if (!result.ok) return result;
  return ok({ ...result.value.answer, position: formatPosition(result.value.position!) });
}
