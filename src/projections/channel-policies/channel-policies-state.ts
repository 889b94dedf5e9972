import type { Kysely } from 'kysely';
import { CHANNEL_POLICY_EVENT_TYPES, defaultChannelPolicy, type ChannelPolicies, type ChannelPolicySet } from '../../domain/notifications/channel-policy.ts';
import { categoryOf } from '../../domain/stream-name.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import { batchStateKind } from '../batch-state.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import { channelPolicyKey, loadChannelPolicies, saveChannelPolicy } from './channel-policies.queries.ts';

/**
 * The channel policies for one planner batch, read once. They change only through ledger events,
 * and each such event between two planned events of a batch is in the batch: the reaction below
 * writes it and clears what was read, so each event is planned with the policies recorded before it.
 */
export class ChannelPoliciesState {
  readonly #db: Kysely<ReadModelDatabase>;
  #policies: Promise<ChannelPolicies> | null = null;

  constructor(db: Kysely<ReadModelDatabase>) {
    this.#db = db;
  }

  policies(): Promise<ChannelPolicies> {
    this.#policies ??= loadChannelPolicies(this.#db).then((set) => (eventType, centreId) =>
      (centreId !== null ? set.get(channelPolicyKey(eventType, centreId)) : undefined)
      ?? set.get(channelPolicyKey(eventType, null))
      ?? { policy: defaultChannelPolicy(eventType), version: 0 });
    return this.#policies;
  }

  changed(): void {
    this.#policies = null;
  }
}

export const channelPolicies = batchStateKind('channel-policies', (db) => new ChannelPoliciesState(db), { acrossBatches: true });

/** Admins' channel policies, folded in ledger order for planning. The version is the policy stream's count. */
export const channelPolicyReaction: LedgerReaction = {
  name: 'channel-policies',
  handles: (e) => e.type === CHANNEL_POLICY_EVENT_TYPES.set && categoryOf(e.stream) === 'channel-policy',
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    await saveChannelPolicy(db, event.data as ChannelPolicySet, Number(event.revision) + 1, event.position);
    state.of(channelPolicies).changed();
    return [];
  },
};
