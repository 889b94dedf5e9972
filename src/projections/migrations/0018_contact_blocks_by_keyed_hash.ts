import type { Kysely } from 'kysely';

// The planner finds opt-outs and bounces by the keyed hash of an address, never by the address:
// nothing personal in clear at rest. The hash needs the master key, which migrations do not have,
// so blocks recorded before keep their address until the service's start renames them by hash
// (hashBlocksKeptInClear); every block written since names its address by hash alone.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('contact_blocks').addColumn('address_hash', 'text').execute();
  await db.schema.alterTable('contact_blocks').dropConstraint('contact_blocks_pk').execute();
  await db.schema.alterTable('contact_blocks').alterColumn('address', (c) => c.dropNotNull()).execute();
  await db.schema.createIndex('contact_blocks_by_hash').on('contact_blocks').columns(['address_hash', 'channel']).unique().execute();
}
