import type { Clock } from '../domain/clock.ts';
import { EVENT_DEAD_LETTERED, deadLetteredEvent, type DeadLetteredMessage } from '../domain/dead-letter-events.ts';
import { deterministicUuid } from '../domain/ids.ts';
import { streamName } from '../domain/stream-name.ts';
import type { EventStore } from '../ledger/event-store.ts';

/** Writes `EventDeadLettered` for a message the intake refused; resolves once it is durable. */
export type RecordDeadLetter = (message: DeadLetteredMessage) => Promise<void>;

/**
 * The production `RecordDeadLetter`: one `dead-letter-<id>` stream per refused message. A stream
 * already written means this very message was recorded before (its ack was lost): nothing to do.
 */
export function deadLetterRecorder(store: EventStore, clock: Clock): RecordDeadLetter {
  return async (message) => {
    const { id, event } = deadLetteredEvent(message, clock.now());
    await store.append(
      streamName.deadLetter(id),
      [{ id: deterministicUuid('dead-letter-event', id), type: EVENT_DEAD_LETTERED, data: event, metadata: { actor: 'system' } }],
      'no-stream',
    );
  };
}
