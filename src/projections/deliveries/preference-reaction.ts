import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/notifications/preference-events.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../domain/erasure/person-erased.ts';
import type { LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { blockedAddressHash, contactBlocks } from './contact-blocks.ts';

/**
 * Folds opt-outs, opt-ins and permanent bounces into the planner's block tables, in ledger order.
 * An address is kept as its keyed hash, the one erasure names it by. An erasure forgets the blocks
 * of the person's addresses (a rebuild reads those addresses as `[erased]` and blocks nothing by
 * them); their blocks by person id stay, as ids do.
 */
export const preferenceReaction = (keys: Pick<LedgerKeys, 'contactHash'>): LedgerReaction => ({
  name: 'preferences',
  handles: (e) => e.type === PREFERENCE_EVENT_TYPES.optedOut || e.type === PREFERENCE_EVENT_TYPES.optedIn || e.type === ERASURE_EVENT_TYPES.personErased,
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    if (event.type === ERASURE_EVENT_TYPES.personErased) {
      await forgetAddresses(db, state, event.data as PersonErased);
      return [];
    }
    if (event.type === PREFERENCE_EVENT_TYPES.optedOut) {
      const e = event.data as ContactOptedOut;
      const addressHash = hashOf(keys, e);
      const block = e.reason === 'permanent-bounce' ? 'bounced-address' : 'opted-out';
      const values = { block, reason: e.reason, since: e.at } as const;
      if (addressHash) {
        await db.insertInto('contact_blocks').values({ channel: e.channel, address_hash: addressHash, ...values })
          .onConflict((oc) => oc.columns(['address_hash', 'channel']).doUpdateSet(values)).execute();
      }
      if (e.personId) {
        await db.insertInto('person_blocks').values({ channel: e.channel, person_id: e.personId, ...values })
          .onConflict((oc) => oc.columns(['channel', 'person_id']).doUpdateSet(values)).execute();
      }
      state.of(contactBlocks).wrote(e.channel, addressHash, e.personId, block);
      return [];
    }
    const e = event.data as ContactOptedIn;
    const addressHash = hashOf(keys, e);
    if (addressHash) await db.deleteFrom('contact_blocks').where('channel', '=', e.channel).where('address_hash', '=', addressHash).execute();
    if (e.personId) await db.deleteFrom('person_blocks').where('channel', '=', e.channel).where('person_id', '=', e.personId).execute();
    state.of(contactBlocks).wrote(e.channel, addressHash, e.personId, null);
    return [];
  },
});

/** The keyed hash of the event's address; none when it names none, or reads `[erased]` (a rebuild after an erasure). */
const hashOf = (keys: Pick<LedgerKeys, 'contactHash'>, e: { channel: Channel; address: string | null }): string | null =>
  e.address && e.address !== ERASED ? blockedAddressHash(keys, e.channel, e.address) : null;

async function forgetAddresses(db: ReactionContext['db'], state: ReactionContext['state'], erased: PersonErased): Promise<void> {
  if (erased.contacts.length === 0) return;
  const forgotten = await db.deleteFrom('contact_blocks').where('address_hash', 'in', erased.contacts).returning(['channel', 'address_hash']).execute();
  for (const row of forgotten) state.of(contactBlocks).wrote(row.channel as Channel, row.address_hash, null, null);
}
