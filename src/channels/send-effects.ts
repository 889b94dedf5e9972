import { randomUUID } from 'node:crypto';
import { CHANNEL_EVENT_TYPES, type ChannelPaused } from '../domain/notifications/channel-events.ts';
import type { Channel } from '../domain/event-catalogue.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedOut } from '../domain/notifications/preference-events.ts';
import { streamName } from '../domain/stream-name.ts';
import type { EventStore } from '../ledger/event-store.ts';
import type { SendOutcome } from './channel-port.ts';

/**
 * What a failure means beyond its notification: an opt-out, a dead push token, a paused channel.
 * Answers the pause it recorded, if any.
 */
export async function applySendEffect(
  store: EventStore,
  keys: Pick<LedgerKeys, 'contactHash'>,
  outcome: SendOutcome,
  target: { channel: Channel; address: string; personId: string },
  at: Date,
): Promise<ChannelPaused | null> {
  if (outcome.kind !== 'failed' || !outcome.effect) return null;
  const { channel, address, personId } = target;
  if (outcome.effect === 'opt-out' || outcome.effect === 'drop-token') {
    // A dead push token is the token's end, not the person's: their other devices still get pushes.
    const optOut: ContactOptedOut = outcome.effect === 'opt-out'
      ? { channel, address, personId, reason: 'provider-opt-out', at: at.toISOString(), actor: 'system' }
      : { channel, address, personId: null, reason: 'permanent-bounce', at: at.toISOString(), actor: 'system' };
    await store.append(streamName.contactPreference(keys, channel, address), [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES.optedOut, data: optOut, metadata: { actor: 'system' } }], 'any');
  }
  if (outcome.effect === 'pause-channel' || outcome.effect === 'quota-pause') {
    const paused: ChannelPaused = {
      channel,
      kind: outcome.effect === 'quota-pause' ? 'quota' : 'policy',
      code: outcome.code,
      detail: outcome.message,
      resumeAt: outcome.effect === 'quota-pause' ? new Date(at.getTime() + (outcome.retryAfterMs ?? 10 * 60_000)).toISOString() : null,
      at: at.toISOString(),
      actor: 'system',
    };
    await store.append(streamName.channel(channel), [{ id: randomUUID(), type: CHANNEL_EVENT_TYPES.paused, data: paused, metadata: { actor: 'system' } }], 'any');
    return paused;
  }
  return null;
}
