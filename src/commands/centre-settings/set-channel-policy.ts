import { randomUUID } from 'node:crypto';
import { CHANNEL_POLICY_EVENT_TYPES, parseChannelPolicy, type ChannelPolicy, type ChannelPolicySet } from '../../domain/notifications/channel-policy.ts';
import { ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type LedgerPosition } from '../../ledger/event-store.ts';
import { appendSetting, rejected, type SettingRejected } from './append-setting.ts';

/**
 * Which channels a patient event type goes out on, and where each falls back to, at every centre or
 * at one. Like every admin setting it applies to events recorded after it (for a fallback: to
 * triggers recorded after it); notifications already planned keep theirs.
 */
export async function setChannelPolicy(
  store: EventStore,
  input: {
    eventType: string;
    primary: readonly string[];
    fallbacks?: readonly { channel: string; then: readonly string[] }[] | null;
    undeliveredAfterMinutes?: number | null;
    centreId?: string | null;
    actor: string;
  },
  now: Date,
): Promise<Result<{ policy: ChannelPolicy; version: number; position: LedgerPosition }, SettingRejected>> {
  const parsed = parseChannelPolicy(input.eventType, input);
  if (input.centreId === '') return rejected([{ path: 'centreId', message: 'must not be empty (leave it out for every centre)' }, ...(parsed.ok ? [] : parsed.error)]);
  if (!parsed.ok) return rejected(parsed.error);
  const { eventType, policy } = parsed.value;
  const data: ChannelPolicySet = { eventType, centreId: input.centreId ?? null, policy, actor: input.actor, at: now.toISOString() };
  const stream = streamName.channelPolicy(eventType);
  const position = await appendSetting(store, stream, now, {
    id: randomUUID(),
    type: CHANNEL_POLICY_EVENT_TYPES.set,
    data,
    metadata: { actor: input.actor },
  });
  const version = await versionAt(store, stream, position);
  return ok({ policy, version, position });
}

/** The revision the append landed at, counted from 1: what plans made under it record. */
async function versionAt(store: EventStore, stream: ReturnType<typeof streamName.channelPolicy>, position: LedgerPosition): Promise<number> {
  const events = await readStreamToArray(store, stream);
  const at = events.find((e) => e.position.commit === position.commit && e.position.prepare === position.prepare);
  return Number((at ?? events.at(-1)!).revision) + 1;
}
