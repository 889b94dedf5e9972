import type { Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { StaffContacts } from '../../domain/staff-routing/staff-directory.ts';
import type { ErasureReads } from '../../commands/erasure/erase-person.ts';
import type { SealedCells } from '../../ledger/sealed-cells.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

/** What erasure asks the read models, before they are scrubbed (and the person's keys destroyed, which `cells` needs to open their addresses). */
export function erasureReads(db: Kysely<ReadModelDatabase>, cells: Pick<SealedCells, 'open'>): ErasureReads {
  return {
    async knownAddresses(kind, id) {
      const sent = await db
        .selectFrom('notifications')
        .select(['channel', 'recipient_address'])
        .distinct()
        .where('recipient_kind', '=', kind)
        .where('recipient_id', '=', id)
        .where('recipient_address', 'is not', null)
        .execute()
        .then((rows) => cells.open(rows));
      const joined = kind === 'patient' ? await db.selectFrom('conversation_patients').select('conversation_id').where('patient_id', '=', id).execute() : [];
      const directory = kind === 'staff' ? await staffDirectoryAddresses(db, cells, id) : [];
      return {
        addresses: [...sent.flatMap((r) => (r.recipient_address ? [{ channel: r.channel as Channel, address: r.recipient_address }] : [])), ...directory],
        conversations: joined.map((r) => r.conversation_id),
      };
    },
    async waitingNotifications(kind, id) {
      const rows = await db
        .selectFrom('notifications')
        .select('notification_id')
        .where('recipient_kind', '=', kind)
        .where('recipient_id', '=', id)
        .where('status', 'in', ['planned', 'deferred'])
        .execute();
      return rows.map((r) => r.notification_id);
    },
  };
}

/** Every contact a staff member's directory record ever held, in any version: each may have a key of its own (an opt-out, a dead push token). */
async function staffDirectoryAddresses(db: Kysely<ReadModelDatabase>, cells: Pick<SealedCells, 'open'>, staffId: string): Promise<{ channel: Channel; address: string }[]> {
  const versions = await cells.open(await db.selectFrom('staff_member_versions').select('record').where('staff_id', '=', staffId).execute());
  return versions.flatMap(({ record }) => {
    const contacts = (record as { contacts?: unknown }).contacts;
    // A record sealed before contacts kept their shape reads `[erased]` whole: nothing left to find.
    if (typeof contacts !== 'object' || contacts === null) return [];
    const { email, whatsapp, sms, pushTokens } = contacts as StaffContacts;
    return [
      ...(email ? [{ channel: 'email' as const, address: email }] : []),
      ...(whatsapp ? [{ channel: 'whatsapp' as const, address: whatsapp }] : []),
      ...(sms ? [{ channel: 'sms' as const, address: sms }] : []),
      ...(pushTokens ?? []).map((address) => ({ channel: 'push' as const, address })),
    ];
  });
}
