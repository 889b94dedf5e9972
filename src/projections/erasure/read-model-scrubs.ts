import { sql } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { ERASED } from '../../domain/keys/personal-data.ts';
import type { Scrub } from './scrub-on-erasure.ts';

/*
 * Each read model's rows of an erased person, as a rebuild reads them once the keys are gone:
 * what was sealed shows `[erased]`; ids, statuses, counts, times and provider ids stay. Each scrub
 * is idempotent: a rebuild runs it over rows already built from `[erased]` data, and a batch
 * repeated after a crash runs it again.
 */

const erasedJson = sql<unknown>`to_jsonb(${ERASED}::text)`;

/**
 * Notifications: the address they went to (the recipient's, sealed with them), and its keyed hash,
 * which a rebuild cannot compute from `[erased]` either.
 */
export const scrubNotifications: Scrub = async (trx, erased) => {
  await trx
    .updateTable('notifications')
    .set({ recipient_address: ERASED, recipient_address_hash: null })
    .where('recipient_kind', '=', erased.kind)
    .where('recipient_id', '=', erased.id)
    .where('recipient_address', 'is not', null)
    .where('recipient_address', '<>', ERASED)
    .execute();
};

/**
 * Conversations of the person's numbers and a patient's replies: the number, the words written from
 * those numbers, and the words of the replies sent to the patient (sealed under their keys; replies
 * to another patient of a family number stay theirs). The patient leaves the conversations they were
 * joined to: what joined them (their phone in a booking) reads `[erased]` now.
 */
export const scrubConversations: Scrub = async (trx, erased) => {
  if (erased.kind === 'patient') await trx.deleteFrom('conversation_patients').where('patient_id', '=', erased.id).execute();
  if (erased.contacts.length === 0 && erased.kind !== 'patient') return;
  if (erased.contacts.length > 0) {
    await trx.updateTable('conversations').set({ address: ERASED }).where('conversation_id', 'in', erased.contacts).where('address', '<>', ERASED).execute();
  }
  await trx
    .updateTable('conversation_messages')
    .set((eb) => ({
      text: sql<string | null>`case when ${eb.ref('text')} is null then null else ${ERASED} end`,
      media: sql`case when ${eb.ref('media')} is null then null else ${erasedJson} end`,
      location: sql`case when ${eb.ref('location')} is null then null else ${erasedJson} end`,
    }))
    .where((eb) => eb.or([
      ...(erased.contacts.length > 0 ? [
        eb.and([eb('direction', '=', 'in'), eb('conversation_id', 'in', erased.contacts)]),
        // A reply recorded before replies named their patient: its conversation is all there is to go by.
        eb.and([eb('direction', '=', 'out'), eb('patient_id', 'is', null), eb('conversation_id', 'in', erased.contacts)]),
      ] : []),
      ...(erased.kind === 'patient' ? [eb.and([eb('direction', '=', 'out'), eb('patient_id', '=', erased.id)])] : []),
    ]))
    .execute();
};

const erasedInbound = { sender: ERASED, sender_hash: null, text: sql<string | null>`case when text is null then null else ${ERASED} end` };

/**
 * Replies the providers reported, from the person's numbers: the sender, its hash and the words.
 * Found by the keyed hash of the sender; rows kept before the hash was (the sender in clear, no
 * hash) are hashed here to be found, as they all were then.
 */
export const scrubInboundMessages = (keys: Pick<LedgerKeys, 'contactHash'>): Scrub => async (trx, erased) => {
  if (erased.contacts.length === 0) return;
  await trx.updateTable('inbound_messages').set(erasedInbound).where('sender_hash', 'in', erased.contacts).execute();
  const contacts = new Set(erased.contacts);
  const unhashed = await trx.selectFrom('inbound_messages').select(['message_id', 'channel', 'sender']).where('sender_hash', 'is', null).where('sender', '<>', ERASED).execute();
  const theirs = unhashed.filter((r) => contacts.has(contactHash(keys, contactKindOf(r.channel as Channel), r.sender))).map((r) => r.message_id);
  if (theirs.length > 0) await trx.updateTable('inbound_messages').set(erasedInbound).where('message_id', 'in', theirs).execute();
};

/**
 * In-app alerts whose words were the person's: a staff member's own alerts (sealed under their
 * keys, unless about a patient), and any member's alerts about a patient or a number of theirs.
 */
export const scrubStaffAlerts: Scrub = async (trx, erased) => {
  await trx
    .updateTable('staff_alerts')
    .set({ title: ERASED, body: ERASED })
    .where((eb) => eb.or([
      ...(erased.kind === 'staff' ? [eb.and([eb('staff_id', '=', erased.id), eb('about_id', 'is', null)])] : []),
      ...(erased.kind === 'patient' ? [eb.and([eb('about_kind', '=', 'patient'), eb('about_id', '=', erased.id)])] : []),
      ...(erased.contacts.length > 0 ? [eb.and([eb('about_kind', '=', 'contact'), eb('about_id', 'in', erased.contacts)])] : []),
    ]))
    .where('title', '<>', ERASED)
    .execute();
};
