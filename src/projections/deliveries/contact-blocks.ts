import { sql, type Kysely } from 'kysely';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { ContactBlock } from '../../domain/notifications/preference-events.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

type Db = Kysely<ReadModelDatabase>;

const addressKey = (channel: string, address: string) => `a:${channel}:${address}`;
const personKey = (channel: string, personId: string) => `p:${channel}:${personId}`;

/** Opt-outs and bounces by (channel, address) and by (channel, person). */
export class ContactBlocks {
  readonly #db: Db;
  readonly #addresses = new Set<string>();
  readonly #people = new Set<string>();
  readonly #blocks = new Map<string, ContactBlock>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Loads what is not known yet of these addresses and people, in one query. */
  async load(addresses: Iterable<string>, people: Iterable<string>): Promise<void> {
    const newAddresses = [...new Set(addresses)].filter((a) => !this.#addresses.has(a));
    const newPeople = [...new Set(people)].filter((p) => !this.#people.has(p));
    if (newAddresses.length === 0 && newPeople.length === 0) return;
    const rows = await this.#db
      .selectFrom('contact_blocks')
      .select([sql<string>`'a'`.as('kind'), 'channel', 'address as key', 'block'])
      .where('address', '=', sql<string>`any(${newAddresses}::text[])`)
      .unionAll((eb) =>
        eb.selectFrom('person_blocks').select([sql<string>`'p'`.as('kind'), 'channel', 'person_id as key', 'block']).where('person_id', '=', sql<string>`any(${newPeople}::text[])`),
      )
      .execute();
    for (const a of newAddresses) this.#addresses.add(a);
    for (const p of newPeople) this.#people.add(p);
    for (const row of rows) this.#blocks.set(row.kind === 'a' ? addressKey(row.channel, row.key) : personKey(row.channel, row.key), row.block);
  }

  /** The stronger of what is known of the address and the person; call `load` for them first. */
  lookup(channel: Channel, address: string | null, personId: string): ContactBlock {
    return (address !== null ? this.#blocks.get(addressKey(channel, address)) : undefined) ?? this.#blocks.get(personKey(channel, personId)) ?? null;
  }

  /** A preference written to the tables: later events of the batch see it. */
  wrote(channel: Channel, address: string | null, personId: string | null, block: ContactBlock): void {
    const apply = (key: string) => (block === null ? this.#blocks.delete(key) : this.#blocks.set(key, block));
    // Unknown addresses and people stay unknown: their first look-up reads the tables, write included.
    if (address !== null && this.#addresses.has(address)) apply(addressKey(channel, address));
    if (personId !== null && this.#people.has(personId)) apply(personKey(channel, personId));
  }
}

/** Read by patient planning and staff routing, written through by the preference reaction. */
export const contactBlocks = batchStateKind('contact-blocks', (db) => new ContactBlocks(db));
