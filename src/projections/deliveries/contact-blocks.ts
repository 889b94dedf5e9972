import { sql, type Kysely } from 'kysely';
import { CHANNELS, type Channel } from '../../domain/event-catalogue.ts';
import { contactHash, contactKindOf, type ContactKind, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import type { ContactBlock } from '../../domain/notifications/preference-events.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;
type Keys = Pick<LedgerKeys, 'contactHash'>;

/** The kinds an address handed to `load` may be (the channel it is looked up on says which): it is looked up as each. */
const ADDRESS_KINDS: readonly ContactKind[] = [...new Set(CHANNELS.map(contactKindOf))];

const addressKey = (channel: string, hash: string) => `a:${channel}:${hash}`;
const personKey = (channel: string, personId: string) => `p:${channel}:${personId}`;

/** How `contact_blocks` names an address: its keyed hash, as erasure's `contacts` name it too. */
export const blockedAddressHash = (keys: Keys, channel: Channel, address: string): string => contactHash(keys, contactKindOf(channel), address);

/**
 * Opt-outs and bounces by (channel, address) and by (channel, person). The table keeps no address,
 * only its keyed hash: callers ask with the address, which is hashed here.
 */
export class ContactBlocks {
  readonly #db: Db;
  readonly #keys: Keys;
  /** Hashes already looked up (blocked or not), each address under every kind it may be. */
  readonly #hashes = new Set<string>();
  readonly #people = new Set<string>();
  readonly #blocks = new Map<string, ContactBlock>();
  /** A batch asks of the same addresses again and again: each is hashed once. */
  readonly #hashed = new Map<string, string>();

  constructor(db: Db, keys: Keys) {
    this.#db = db;
    this.#keys = keys;
  }

  #hashOf(kind: ContactKind, address: string): string {
    const key = `${kind}\u0000${address}`;
    let hash = this.#hashed.get(key);
    if (hash === undefined) {
      hash = contactHash(this.#keys, kind, address);
      this.#hashed.set(key, hash);
    }
    return hash;
  }

  /** Loads what is not known yet of these addresses and people, in one query. */
  async load(addresses: Iterable<string>, people: Iterable<string>): Promise<void> {
    const hashes = [...new Set(addresses)].flatMap((a) => ADDRESS_KINDS.map((kind) => this.#hashOf(kind, a)));
    const newHashes = [...new Set(hashes)].filter((h) => !this.#hashes.has(h));
    const newPeople = [...new Set(people)].filter((p) => !this.#people.has(p));
    if (newHashes.length === 0 && newPeople.length === 0) return;
    const rows = await this.#db
      .selectFrom('contact_blocks')
      .select([sql<string>`'a'`.as('kind'), 'channel', 'address_hash as key', 'block'])
      .where('address_hash', '=', sql<string>`any(${newHashes}::text[])`)
      .unionAll((eb) =>
        eb.selectFrom('person_blocks').select([sql<string>`'p'`.as('kind'), 'channel', 'person_id as key', 'block']).where('person_id', '=', sql<string>`any(${newPeople}::text[])`),
      )
      .execute();
    for (const h of newHashes) this.#hashes.add(h);
    for (const p of newPeople) this.#people.add(p);
    for (const row of rows) this.#blocks.set(row.kind === 'a' ? addressKey(row.channel, row.key) : personKey(row.channel, row.key), row.block);
  }

  /** The stronger of what is known of the address and the person; call `load` for them first. */
  lookup(channel: Channel, address: string | null, personId: string): ContactBlock {
    const byAddress = address !== null ? this.#blocks.get(addressKey(channel, this.#hashOf(contactKindOf(channel), address))) : undefined;
    return byAddress ?? this.#blocks.get(personKey(channel, personId)) ?? null;
  }

  /** A preference written to the tables, the address by its hash: later events of the batch see it. */
  wrote(channel: Channel, addressHash: string | null, personId: string | null, block: ContactBlock): void {
    const apply = (key: string) => (block === null ? this.#blocks.delete(key) : this.#blocks.set(key, block));
    // Unknown addresses and people stay unknown: their first look-up reads the tables, write included.
    if (addressHash !== null && this.#hashes.has(addressHash)) apply(addressKey(channel, addressHash));
    if (personId !== null && this.#people.has(personId)) apply(personKey(channel, personId));
  }
}

/** Read by patient planning and staff routing, written through by the preference reaction. */
export const contactBlocks = batchStateKind('contact-blocks', (db, { keys }) => new ContactBlocks(db, keys));

/**
 * Blocks recorded before the table kept hashes still name their address: each is renamed by its
 * keyed hash (which needs the master key, so it runs at the start rather than in a migration) and
 * its address emptied. A block the planner already wrote by hash for the same address is newer,
 * and stays. Nothing to do once done; harmless if two instances start together.
 */
export async function hashBlocksKeptInClear(db: Db, keys: Keys): Promise<number> {
  const rows = await db.selectFrom('contact_blocks').select(['channel', 'address']).where('address', 'is not', null).execute();
  for (const { channel, address } of rows) {
    const hash = blockedAddressHash(keys, channel as Channel, address!);
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('contact_blocks')
        .set({ address_hash: hash, address: null })
        .where('channel', '=', channel)
        .where('address', '=', address)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('contact_blocks as newer').select('channel').where('newer.channel', '=', channel).where('newer.address_hash', '=', hash))))
        .execute();
      await trx.deleteFrom('contact_blocks').where('channel', '=', channel).where('address', '=', address).execute();
    });
  }
  return rows.length;
}
