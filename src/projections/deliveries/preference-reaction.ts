import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/notifications/preference-events.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { contactBlocks } from './contact-blocks.ts';

/** Folds opt-outs, opt-ins and permanent bounces into the planner's block tables, in ledger order. */
export const preferenceReaction: LedgerReaction = {
  name: 'preferences',
  handles: (e) => e.type === PREFERENCE_EVENT_TYPES.optedOut || e.type === PREFERENCE_EVENT_TYPES.optedIn,
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    if (event.type === PREFERENCE_EVENT_TYPES.optedOut) {
      const e = event.data as ContactOptedOut;
      const block = e.reason === 'permanent-bounce' ? 'bounced-address' : 'opted-out';
      const values = { block, reason: e.reason, since: e.at } as const;
      if (e.address) {
        await db.insertInto('contact_blocks').values({ channel: e.channel, address: e.address, ...values })
          .onConflict((oc) => oc.columns(['channel', 'address']).doUpdateSet(values)).execute();
      }
      if (e.personId) {
        await db.insertInto('person_blocks').values({ channel: e.channel, person_id: e.personId, ...values })
          .onConflict((oc) => oc.columns(['channel', 'person_id']).doUpdateSet(values)).execute();
      }
      state.of(contactBlocks).wrote(e.channel, e.address, e.personId, block);
      return [];
    }
    const e = event.data as ContactOptedIn;
    if (e.address) await db.deleteFrom('contact_blocks').where('channel', '=', e.channel).where('address', '=', e.address).execute();
    if (e.personId) await db.deleteFrom('person_blocks').where('channel', '=', e.channel).where('person_id', '=', e.personId).execute();
    state.of(contactBlocks).wrote(e.channel, e.address, e.personId, null);
    return [];
  },
};
