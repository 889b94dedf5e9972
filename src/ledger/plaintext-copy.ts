import { sql, type Kysely } from 'kysely';

/*
 * The ledger's events as they were before `npm run migrate:encrypt` sealed them, kept aside for the
 * operator to compare and then drop. It holds every patient's data IN CLEAR, so erasure cannot reach
 * it: it is meant to live for days, and `npm run migrate:encrypt -- --drop-copy` removes it.
 */

export const PLAINTEXT_COPY_SCHEMA = 'ledger_before_encrypt';
export const PLAINTEXT_COPY = `${PLAINTEXT_COPY_SCHEMA}.ledger_events`;

export interface PlaintextCopy {
  /** Where it is: `ledger_before_encrypt.ledger_events`. */
  name: string;
  /** Made by this run, or left by an earlier one (interrupted, or not dropped yet) and topped up. */
  made: 'now' | 'earlier';
  rows: number;
}

/**
 * Copies `ledger_events` aside unless a copy exists; an existing one is topped up with the events
 * appended after it was made, so it holds the clear form of everything a later run seals. One
 * transaction: a crash leaves no half copy.
 */
export async function keepPlaintextCopy(db: Kysely<unknown>): Promise<PlaintextCopy> {
  return db.transaction().execute(async (trx) => {
    const { rows: found } = await sql<{ exists: boolean }>`select to_regclass(${PLAINTEXT_COPY}) is not null as exists`.execute(trx);
    const exists = found[0]!.exists;
    if (!exists) {
      await sql`create schema if not exists ${sql.id(PLAINTEXT_COPY_SCHEMA)}`.execute(trx);
      await sql`create table ${sql.raw(PLAINTEXT_COPY)} as table ledger_events`.execute(trx);
      await sql`
        comment on table ${sql.raw(PLAINTEXT_COPY)} is
          'ledger_events before npm run migrate:encrypt: personal data IN CLEAR. Drop it once satisfied: npm run migrate:encrypt -- --drop-copy'
      `.execute(trx);
    } else {
      await sql`
        insert into ${sql.raw(PLAINTEXT_COPY)}
        select * from ledger_events e where e.global_position > (select coalesce(max(c.global_position), 0) from ${sql.raw(PLAINTEXT_COPY)} c)
      `.execute(trx);
    }
    const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.raw(PLAINTEXT_COPY)}`.execute(trx);
    return { name: PLAINTEXT_COPY, made: exists ? 'earlier' : 'now', rows: Number(rows[0]!.n) };
  });
}

/** Whether a copy is there, and how many events it holds. */
export async function plaintextCopyRows(db: Kysely<unknown>): Promise<number | null> {
  const { rows: found } = await sql<{ exists: boolean }>`select to_regclass(${PLAINTEXT_COPY}) is not null as exists`.execute(db);
  if (!found[0]!.exists) return null;
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from ${sql.raw(PLAINTEXT_COPY)}`.execute(db);
  return Number(rows[0]!.n);
}

/** Drops the copy (its files go with it). Answers whether there was one. */
export async function dropPlaintextCopy(db: Kysely<unknown>): Promise<boolean> {
  const rows = await plaintextCopyRows(db);
  await sql`drop schema if exists ${sql.id(PLAINTEXT_COPY_SCHEMA)} cascade`.execute(db);
  return rows !== null;
}
