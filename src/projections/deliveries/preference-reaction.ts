import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../domain/notifications/preference-events.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../domain/erasure/person-erased.ts';
import { contactHash, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from '../ledger-reaction.ts';
import { contactBlocks } from './contact-blocks.ts';

/**
 * Folds opt-outs, opt-ins and permanent bounces into the planner's block tables, in ledger order.
 * An erasure forgets the blocks of the person's addresses (a rebuild reads those addresses as
 * `[erased]` and blocks nothing by them); their blocks by person id stay, as ids do.
 */
export const preferenceReaction = (keys: Pick<LedgerKeys, 'contactHash'>): LedgerReaction => ({
  name: 'preferences',
  handles: (e) => e.type === PREFERENCE_EVENT_TYPES.optedOut || e.type === PREFERENCE_EVENT_TYPES.optedIn || e.type === ERASURE_EVENT_TYPES.personErased,
  async react(event: RecordedEvent, { db, state }: ReactionContext): Promise<PendingAppend[]> {
    if (event.type === ERASURE_EVENT_TYPES.personErased) {
      await forgetAddresses(db, state, keys, event.data as PersonErased);
      return [];
    }
    if (event.type === PREFERENCE_EVENT_TYPES.optedOut) {
      const e = withoutErasedAddress(event.data as ContactOptedOut);
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
    const e = withoutErasedAddress(event.data as ContactOptedIn);
    if (e.address) await db.deleteFrom('contact_blocks').where('channel', '=', e.channel).where('address', '=', e.address).execute();
    if (e.personId) await db.deleteFrom('person_blocks').where('channel', '=', e.channel).where('person_id', '=', e.personId).execute();
    state.of(contactBlocks).wrote(e.channel, e.address, e.personId, null);
    return [];
  },
});

const withoutErasedAddress = <E extends { address: string | null }>(e: E): E => (e.address === ERASED ? { ...e, address: null } : e);

async function forgetAddresses(db: ReactionContext['db'], state: ReactionContext['state'], keys: Pick<LedgerKeys, 'contactHash'>, erased: PersonErased): Promise<void> {
  if (erased.contacts.length === 0) return;
  const contacts = new Set(erased.contacts);
  const rows = await db.selectFrom('contact_blocks').select(['channel', 'address']).execute();
  for (const row of rows) {
    const kind = row.channel === 'email' ? 'email' : row.channel === 'push' ? 'push-token' : 'phone';
    if (!contacts.has(contactHash(keys, kind, row.address))) continue;
    await db.deleteFrom('contact_blocks').where('channel', '=', row.channel).where('address', '=', row.address).execute();
    state.of(contactBlocks).wrote(row.channel as Channel, row.address, null, null);
  }
}
