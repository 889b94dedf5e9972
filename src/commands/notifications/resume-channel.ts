import { randomUUID } from 'node:crypto';
import { CHANNEL_EVENT_TYPES, evolveChannelPause, initialChannelPauseState, type ChannelResumed } from '../../domain/notifications/channel-events.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, formatPosition, type EventStore } from '../../ledger/event-store.ts';
import { handleCommand, isConflict } from '../handle-command.ts';

/** Ends a pause of a channel (a policy pause needs this; a quota pause also ends by itself). */
export async function resumeChannel(
  deps: { store: EventStore; clock: Clock },
  channel: Channel,
  actor: string,
): Promise<Result<ChannelResumed & { position: string }, { reason: 'not-paused' }>> {
  // The channel may change between our read and our append (paused again, or resumed by someone
  // else): the handler reads again and decides again.
  const result = await handleCommand(
    deps.store,
    streamName.channel(channel),
    { initialState: initialChannelPauseState, evolve: evolveChannelPause },
    (state, command: { eventId: string }, now) => {
      if (!state.paused) return err({ reason: 'not-paused' as const });
      const resumed: ChannelResumed = { channel, at: now.toISOString(), actor };
      return ok({ answer: resumed, events: [{ id: command.eventId, type: CHANNEL_EVENT_TYPES.resumed, data: resumed, metadata: { actor } }] });
    },
    { command: { eventId: randomUUID() }, clock: deps.clock },
  );
  if (result.ok) return ok({ ...result.value.answer, position: formatPosition(result.value.position!) });
  if (isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
  return err(result.error);
}
