import type { Clock } from '../../domain/clock.ts';
import { decideReply, replyNotificationId, type ReplyCommand, type ReplyRefusal, type ReplyTarget } from '../../domain/conversations/reply.ts';
import { NOTIFICATION_EVENT_TYPES, type NotificationPlanned } from '../../domain/notifications/notification-events.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';

export interface ReplySent {
  planned: NotificationPlanned;
  /** False when the idempotency key had already sent it: nothing new was recorded. */
  created: boolean;
}

/**
 * Records a front-desk reply as a NotificationPlanned opening its own stream at no-stream; the
 * dispatcher sends it like any notification. A call repeated with the same key finds the stream
 * and answers what it recorded, window or not: it sends once.
 *
 * `target.address` comes as the read model keeps it (sealed): it is opened here, as the reply is
 * decided, so the recorded reply names the number itself (and the ledger seals it in turn).
 */
export async function replyToPatient(
  deps: { store: EventStore; clock: Clock; cells: Pick<SealedCells, 'open'> },
  target: ReplyTarget,
  command: ReplyCommand,
): Promise<Result<ReplySent, ReplyRefusal>> {
  const stream = streamName.notification(replyNotificationId(command.patientId, command.idempotencyKey));
  for (let attempt = 0; attempt < 2; attempt++) {
    const existing = await plannedIn(deps.store, stream);
    if (existing) return ok({ planned: existing, created: false });
    const address = await deps.cells.open(target.address);
    const decision = decideReply({ ...target, address }, command, deps.clock.now());
    if (!decision.ok) return err(decision.error);
    const planned = decision.value;
    const appended = await deps.store.append(stream, [{
      id: planned.notificationId,
      type: NOTIFICATION_EVENT_TYPES.planned,
      data: planned,
      metadata: { actor: command.actor, correlationId: target.causeEventId },
    }], 'no-stream');
    if (appended.ok) return ok({ planned, created: true });
    // Another call with the same key got there first: answer what it recorded.
  }
  throw new Error(`The reply's stream ${stream} changed while it was being recorded`);
}

async function plannedIn(store: EventStore, stream: ReturnType<typeof streamName.notification>): Promise<NotificationPlanned | null> {
  const [first] = await readStreamToArray(store, stream);
  return first?.type === NOTIFICATION_EVENT_TYPES.planned ? (first.data as NotificationPlanned) : null;
}
