import type { Clock } from '../../domain/clock.ts';
import { EVENT_DEAD_LETTERED, deadLetteredEvent, type DeadLetteredMessage } from '../../domain/intake/dead-letter-events.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { ok } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, type EventStore } from '../../ledger/event-store.ts';
import { handleCommand, isConflict } from '../handle-command.ts';

/** Writes `EventDeadLettered` for a message the intake refused; resolves once it is durable. */
export type RecordDeadLetter = (message: DeadLetteredMessage) => Promise<void>;

const written = { initialState: false, evolve: () => true };

/**
 * The production `RecordDeadLetter`: one `dead-letter-<id>` stream per refused message. A stream
 * already written means this very message was recorded before (its ack was lost): nothing to do.
 */
export function deadLetterRecorder(store: EventStore, clock: Clock): RecordDeadLetter {
  return async (message) => {
    const { id, event } = deadLetteredEvent(message, clock.now());
    const result = await handleCommand(store, streamName.deadLetter(id), written, (exists) => {
      if (exists) return ok({ answer: null, events: [] });
      return ok({ answer: null, events: [{ id: deterministicUuid('dead-letter-event', id), type: EVENT_DEAD_LETTERED, data: event, metadata: { actor: 'system' } }] });
    }, { command: null, clock, start: 'assume-new' });
    if (!result.ok && isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
  };
}
