import { sql, type Kysely } from 'kysely';

// PostgreSQL moves a row's largest values out to its TOAST table once the row passes ~2 KB, after
// trying to compress them. A notification's planned event passes it: its recorded words and its
// recipient, sealed, are base64 that does not compress. Each was compressed in vain, written in
// chunks to the TOAST table and its index, and read back from there by every reader of the ledger
// (the lanes, the dispatcher, a replay): a ledger of 10,000 events held more in TOAST than in its
// own pages. Rows stay whole on their page now up to the most a page holds; larger ones are still
// moved out. New rows only; those already moved out stay where they are and read as before.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table ledger_events set (toast_tuple_target = 8160)`.execute(db);
}
