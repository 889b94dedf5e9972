import { sql, type Kysely } from 'kysely';

// The key store of crypto-shredding: one data key per person and scope, wrapped under a key the
// master key derives. It sits beside the ledger, not among the read models: a read-model rebuild
// or drop must never touch it, since a lost key is erased data.
// A person has at most one live key per scope ('data', or a content month 'content:2026-12'); a
// destroyed key keeps its row (id, whose, when, why) with the key itself gone, so a ciphertext
// that names it answers "erased", not "unknown".
// person_key_master holds one value wrapped at the first start: a later start under another
// master key fails on it even when every person's key has been destroyed since.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table person_keys (
      key_id uuid primary key,
      person_kind text not null check (person_kind in ('patient', 'staff', 'contact')),
      person_id text not null,
      scope text not null check (scope = 'data' or scope ~ '^content:[0-9]{4}-[0-9]{2}$'),
      wrapped bytea null,
      created_at timestamptz not null default now(),
      destroyed_at timestamptz null,
      destroyed_reason text null,
      check ((wrapped is null) = (destroyed_at is not null))
    )
  `.execute(db);
  await sql`
    create unique index person_keys_live on person_keys (person_kind, person_id, scope)
      where destroyed_at is null
  `.execute(db);
  await sql`
    create table person_key_master (
      id boolean primary key default true check (id),
      check_wrapped bytea not null,
      created_at timestamptz not null default now()
    )
  `.execute(db);
}
