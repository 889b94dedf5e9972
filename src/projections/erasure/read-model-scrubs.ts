import { sql } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import type { Scrub } from './scrub-on-erasure.ts';

/*
 * Each read model's rows of an erased person, as a rebuild makes them once the keys are gone. What
 * the rows keep sealed (cells, sealed-cell.ts) needs nothing: it opens to `[erased]` now, and a
 * rebuild copies the same cells. What a rebuild can no longer derive goes: the keyed hashes computed
 * from an address, the joins made by a phone. Values kept in clear before the read models kept
 * cells (a database not yet rebuilt by `npm run migrate:encrypt`) read `[erased]`. Ids, statuses,
 * counts, times and provider ids stay. Each scrub is idempotent: a rebuild runs it over rows that
 * hold nothing to scrub, and a batch repeated after a crash runs it again.
 */

const erasedJson = sql<unknown>`to_jsonb(${ERASED}::text)`;
/** A text value kept in clear: neither a cell nor `[erased]` already. */
const inClear = (column: string) => sql<boolean>`(${sql.ref(column)} not like 'pdc1.%' and ${sql.ref(column)} <> ${ERASED})`;
/** The same for a JSON value, which holds a cell as a JSON string. */
const jsonInClear = (column: string) => sql<boolean>`(${sql.ref(column)}::text not like '"pdc1.%' and ${sql.ref(column)} <> ${erasedJson})`;

/**
 * Notifications: the keyed hash of the address they went to, which a rebuild cannot compute from
 * `[erased]`; an address kept in clear before cells reads `[erased]`.
 */
export const scrubNotifications: Scrub = async (trx, erased) => {
  const theirs = trx.updateTable('notifications').where('recipient_kind', '=', erased.kind).where('recipient_id', '=', erased.id);
  await theirs.set({ recipient_address_hash: null }).where('recipient_address_hash', 'is not', null).execute();
  await theirs.set({ recipient_address: ERASED }).where('recipient_address', 'is not', null).where(inClear('recipient_address')).execute();
};

/**
 * Conversations: the patient leaves the conversations they were joined to (what joined them, their
 * phone in a booking, reads `[erased]` now). Numbers and words kept in clear before cells, of the
 * person's numbers and of the replies sent to the patient, read `[erased]`.
 */
export const scrubConversations: Scrub = async (trx, erased) => {
  if (erased.kind === 'patient') await trx.deleteFrom('conversation_patients').where('patient_id', '=', erased.id).execute();
  if (erased.contacts.length === 0 && erased.kind !== 'patient') return;
  if (erased.contacts.length > 0) {
    await trx.updateTable('conversations').set({ address: ERASED }).where('conversation_id', 'in', erased.contacts).where(inClear('address')).execute();
  }
  await trx
    .updateTable('conversation_messages')
    .set({
      text: sql<string | null>`case when text is null or not ${inClear('text')} then text else ${ERASED} end`,
      media: sql`case when media is null or not ${jsonInClear('media')} then media else ${erasedJson} end`,
      location: sql`case when location is null or not ${jsonInClear('location')} then location else ${erasedJson} end`,
    })
    .where((eb) => eb.or([
      ...(erased.contacts.length > 0 ? [
        eb.and([eb('direction', '=', 'in'), eb('conversation_id', 'in', erased.contacts)]),
        // A reply recorded before replies named their patient: its conversation is all there is to go by.
        eb.and([eb('direction', '=', 'out'), eb('patient_id', 'is', null), eb('conversation_id', 'in', erased.contacts)]),
      ] : []),
      ...(erased.kind === 'patient' ? [eb.and([eb('direction', '=', 'out'), eb('patient_id', '=', erased.id)])] : []),
    ]))
    .where((eb) => eb.or([inClear('text'), jsonInClear('media'), jsonInClear('location')].map((c) => eb(c, '=', true))))
    .execute();
};

const erasedInbound = { sender: ERASED, sender_hash: null, text: sql<string | null>`case when text is null then null else ${ERASED} end` };

/**
 * Replies the providers reported, from the person's numbers: the keyed hash of the sender, found by
 * it. Rows kept before the hash was (the sender and words in clear, no hash) are hashed here to be
 * found, and read `[erased]`.
 */
export const scrubInboundMessages = (keys: Pick<LedgerKeys, 'contactHash'>): Scrub => async (trx, erased) => {
  if (erased.contacts.length === 0) return;
  await trx.updateTable('inbound_messages').set({ sender_hash: null }).where('sender_hash', 'in', erased.contacts).execute();
  const contacts = new Set(erased.contacts);
  const unhashed = await trx.selectFrom('inbound_messages').select(['message_id', 'channel', 'sender']).where('sender_hash', 'is', null).where(inClear('sender')).execute();
  const theirs = unhashed.filter((r) => contacts.has(contactHash(keys, contactKindOf(r.channel as Channel), r.sender))).map((r) => r.message_id);
  if (theirs.length > 0) await trx.updateTable('inbound_messages').set(erasedInbound).where('message_id', 'in', theirs).execute();
};

/**
 * In-app alerts whose words were the person's, kept in clear before cells: a staff member's own
 * alerts (unless about a patient), and any member's alerts about a patient or a number of theirs.
 */
export const scrubStaffAlerts: Scrub = async (trx, erased) => {
  await trx
    .updateTable('staff_alerts')
    .set({
      title: sql<string>`case when ${inClear('title')} then ${ERASED} else title end`,
      body: sql<string>`case when ${inClear('body')} then ${ERASED} else body end`,
    })
    .where((eb) => eb.or([
      ...(erased.kind === 'staff' ? [eb.and([eb('staff_id', '=', erased.id), eb('about_id', 'is', null)])] : []),
      ...(erased.kind === 'patient' ? [eb.and([eb('about_kind', '=', 'patient'), eb('about_id', '=', erased.id)])] : []),
      ...(erased.contacts.length > 0 ? [eb.and([eb('about_kind', '=', 'contact'), eb('about_id', 'in', erased.contacts)])] : []),
    ]))
    .where((eb) => eb.or([eb(inClear('title'), '=', true), eb(inClear('body'), '=', true)]))
    .execute();
};
