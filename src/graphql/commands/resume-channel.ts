import { randomUUID } from 'node:crypto';
import { CHANNEL_EVENT_TYPES, evolveChannelPause, initialChannelPauseState, type ChannelResumed } from '../../domain/channel-events.ts';
import type { Clock } from '../../domain/clock.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { formatPosition, readStreamToArray, type EventStore } from '../../ledger/event-store.ts';

/** Ends a pause of a channel (a policy pause needs this; a quota pause also ends by itself). */
export async function resumeChannel(
  deps: { store: EventStore; clock: Clock },
  channel: Channel,
  actor: string,
): Promise<Result<ChannelResumed & { position: string }, { reason: 'not-paused' }>> {
  const stream = streamName.channel(channel);
  for (let attempt = 0; ; attempt++) {
    const history = await readStreamToArray(deps.store, stream);
    const state = history.reduce(evolveChannelPause, initialChannelPauseState);
    if (!state.paused) return err({ reason: 'not-paused' });
    const resumed: ChannelResumed = { channel, at: deps.clock.now().toISOString(), actor };
    const result = await deps.store.append(
      stream,
      [{ id: randomUUID(), type: CHANNEL_EVENT_TYPES.resumed, data: resumed, metadata: { actor } }],
      BigInt(history.length - 1),
    );
    if (result.ok) return ok({ ...resumed, position: formatPosition(result.position) });
    // The channel changed between our read and our append (paused again, or resumed by someone else): read again.
    if (attempt >= 5) throw result.error;
  }
}
