import { sql, type Kysely } from 'kysely';
import type { Envelope } from '../domain/intake/envelope.ts';
import { hashPayload, INBOUND_RECEIVED, type InboundEventReceived } from '../domain/intake/inbound-receipt.ts';
import { isSealed } from '../domain/keys/field-cipher.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { unsealedParts } from '../domain/keys/personal-data.ts';
import { findPersonalParts } from './seal-personal-data.ts';

/** The master key is not the one the service ran with: contacts would be named by hashes nothing else knows. */
export class MasterKeyNotTheLedgers extends Error {
  override readonly name = 'MasterKeyNotTheLedgers';
  constructor() {
    super(
      'LEDGER_MASTER_KEY is not the key this ledger was written with: the keyed payload hashes of its recent receipts do not match under it. ' +
        'Use the master key this ledger was written with (restore it from its backup); nothing was changed.',
    );
  }
}

/**
 * Refuses a master key other than the one a ledger was written with, before anything is written:
 * under another key contacts would be named by hashes nothing else knows, and a key store holding
 * no check value yet would take the wrong key for good (the service at its first sealed start, and
 * `npm run migrate:encrypt`). The recent receipts in clear with a keyed payload hash are
 * hashed again; one match is enough (a receipt's hash is over the payload as received).
 */
export async function checkMasterKeyAgainstReceipts(db: Kysely<unknown>, keys: Pick<LedgerKeys, 'contactHash' | 'payloadHash'>): Promise<void> {
  const { rows } = await sql<{ id: string; type: string; data: unknown }>`
    select event_id::text as id, event_type as type, data from ledger_events
     where event_type = ${INBOUND_RECEIVED} and data->>'payloadHash' like 'k1:%'
     order by global_position desc
     limit 20
  `.execute(db);
  let checked = 0;
  for (const [i, parts] of findPersonalParts(rows, keys).entries()) {
    const receipt = rows[i]!.data as InboundEventReceived;
    if (unsealedParts(receipt, parts, isSealed).length !== parts.length) continue;
    checked++;
    // Hashed as the intake hashed it: the type is whatever was received, checked then.
    if (hashPayload({ ...receipt, type: receipt.type as Envelope['type'] }, keys.payloadHash) === receipt.payloadHash) return;
  }
  if (checked > 0) throw new MasterKeyNotTheLedgers();
}
