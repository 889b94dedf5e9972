import { sql, type Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../domain/erasure/person-erased.ts';
import { isSealed } from '../domain/keys/field-cipher.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import { PERSONAL_DATA, unsealedParts, type PersonalPart, type PersonRef } from '../domain/keys/personal-data.ts';
import { comparePositions, type LedgerPosition } from './event-store.ts';
import { checkMasterKeyAgainstReceipts } from './master-key-check.ts';
import { ledgerMigrations } from './migrations/ledger-migrations.ts';
import { PersonKeyStore } from './person-key-store.ts';
import { keepPlaintextCopy, PLAINTEXT_COPY, plaintextCopyRows, type PlaintextCopy } from './plaintext-copy.ts';
import { runMigrations } from './run-migrations.ts';
import { findPersonalParts, sealPersonalParts } from './seal-personal-data.ts';
import type { SqlConnection } from './sql-connection.ts';

/*
 * `npm run migrate:encrypt`: seals the personal data of a ledger written before sealing, once.
 *
 * The issue asked for a copy into a new, encrypted ledger; this rewrites the `data` of each event
 * in place instead, which is cheaper and keeps more. An event's id, type, stream, revision,
 * transaction id, global position and metadata are never touched, so every ledger position, every
 * projection checkpoint and every read model stays valid, and a replay reads the same order. What
 * changes is exactly what sealing at the append would have written: each part `PERSONAL_DATA`
 * names, sealed by the same function (sealPersonalParts) under its person's key with the event id
 * bound in. The ledger's events as they were are copied aside first (plaintext-copy.ts), and the
 * table is rewritten at the end (VACUUM FULL), so no old row version holds them in its files.
 *
 * It walks the events of the types that carry personal data in position order, in batches. A part
 * already sealed (by the service, or by an earlier run) is left as it is, so a second run changes
 * nothing and an interrupted run resumes where it stopped: each batch is rewritten in one
 * transaction, all of it or none, after the keys it uses were committed.
 *
 * A person erased before their data was sealed (the service ran sealed for a while, then erased
 * them) must not get it back readable: their parts recorded before the erasure are sealed under
 * keys destroyed from the start, and read `[erased]` as the erasure meant. Their parts recorded
 * after it are new data, under their live key, as at the append.
 *
 * Only for a ledger in PostgreSQL or PGlite: KurrentDB's events cannot be rewritten. The service
 * must be stopped; on PostgreSQL an advisory lock keeps two runs apart (the CLI locks the data
 * folder on PGlite).
 */

/** The advisory lock two runs on one PostgreSQL database share. */
export const MIGRATE_ENCRYPT_LOCK = 'clinic-notification-ledger/migrate-encrypt';
export const ERASED_BEFORE_SEALING = 'erased before this data was sealed (migrate:encrypt)';

export interface MigrateEncryptReport {
  /** Events of the types that carry personal data, all read. */
  examined: number;
  /** Events whose data this run sealed (part of it, or all). */
  sealed: number;
  /** Parts sealed, each one person's value. */
  parts: number;
  /** Of those, parts of a person erased before, sealed under keys destroyed at once. */
  erasedParts: number;
  /** The copy of the events as they were before sealing, made by this run or left by an earlier one; null when there is none. */
  copy: PlaintextCopy | null;
}

export interface MigrateEncryptOptions {
  keys: LedgerKeys;
  /** PostgreSQL's URL, for the key store (it listens for erasures elsewhere); none on PGlite. */
  databaseUrl?: string;
  clock?: Clock;
  batchSize?: number;
  onProgress?: (examined: number, total: number) => void;
}

export class MigrationAlreadyRunning extends Error {
  override readonly name = 'MigrationAlreadyRunning';
  constructor() {
    super('Another `npm run migrate:encrypt` is running on this database; nothing was changed. Let it finish (it resumes safely if stopped).');
  }
}

interface EventRow {
  position: string;
  transaction_id: string;
  id: string;
  type: string;
  data: unknown;
}

export async function migrateEncrypt(connection: SqlConnection, options: MigrateEncryptOptions): Promise<MigrateEncryptReport> {
  if (connection.kind === 'pglite') return run(connection, options);
  // A session lock, held on one connection of the pool for the whole run while the rest work.
  return connection.db.connection().execute(async (session) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtextextended(${MIGRATE_ENCRYPT_LOCK}, 0)) as locked`.execute(session);
    if (!rows[0]!.locked) throw new MigrationAlreadyRunning();
    try {
      return await run(connection, options);
    } finally {
      await sql`select pg_advisory_unlock(hashtextextended(${MIGRATE_ENCRYPT_LOCK}, 0))`.execute(session);
    }
  });
}

async function run(connection: SqlConnection, options: MigrateEncryptOptions): Promise<MigrateEncryptReport> {
  const { db } = connection;
  await runMigrations(db, 'ledger_migration', ledgerMigrations);
  // Before the key store writes its check value under this key.
  await checkMasterKeyAgainstReceipts(db, options.keys);
  const personKeys = await PersonKeyStore.open(connection, options.keys, {
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  try {
    const erasures = await erasuresIn(db);
    const types = Object.keys(PERSONAL_DATA);
    const { rows: counted } = await sql<{ n: string }>`select count(*)::text as n from ledger_events where event_type = any(${types}::text[])`.execute(db);
    const total = Number(counted[0]!.n);
    const report: MigrateEncryptReport = { examined: 0, sealed: 0, parts: 0, erasedParts: 0, copy: null };
    const batchSize = options.batchSize ?? 500;
    options.onProgress?.(0, total);
    for (let after = '0'; ;) {
      const { rows } = await sql<EventRow>`
        select global_position::text as position, transaction_id::text, event_id::text as id, event_type as type, data
          from ledger_events
         where global_position > ${after}::bigint and event_type = any(${types}::text[])
         order by global_position
         limit ${batchSize}
      `.execute(db);
      if (rows.length === 0) break;
      after = rows.at(-1)!.position;
      const changed = await sealBatch(rows, { keys: options.keys, personKeys, erasures, report });
      if (changed.length > 0) {
        report.copy ??= await keepPlaintextCopy(db);
        // One transaction: the batch is rewritten whole or not at all. Every event's data went in as
        // JSON.stringify wrote it, so parsed and written again it is the same JSON but for the seals.
        await db.transaction().execute(async (trx) => {
          const { rows: updated } = await sql<{ n: string }>`
            with updated as (
              update ledger_events e set data = u.data::jsonb
                from unnest(${changed.map((c) => c.position)}::bigint[], ${changed.map((c) => JSON.stringify(c.data))}::text[]) as u(position, data)
               where e.global_position = u.position
              returning 1
            )
            select count(*)::text as n from updated
          `.execute(trx);
          if (Number(updated[0]!.n) !== changed.length) throw new Error(`ledger_events: ${updated[0]!.n} of ${changed.length} events found to rewrite`);
        });
        report.sealed += changed.length;
      }
      report.examined += rows.length;
      options.onProgress?.(report.examined, Math.max(total, report.examined));
    }
    // Old row versions of the rewritten events still hold them in clear in the table's files.
    if (report.sealed > 0) await sql`vacuum full ledger_events`.execute(db);
    if (!report.copy) {
      const rows = await plaintextCopyRows(db);
      if (rows !== null) report.copy = { name: PLAINTEXT_COPY, made: 'earlier', rows };
    }
    return report;
  } finally {
    await personKeys.close();
  }
}

interface BatchContext {
  keys: LedgerKeys;
  personKeys: PersonKeyStore;
  erasures: Map<string, LedgerPosition>;
  report: MigrateEncryptReport;
}

/** The rows of the batch whose data changed, sealed; counts the parts in `report`. */
async function sealBatch(rows: readonly EventRow[], context: BatchContext): Promise<{ position: string; data: unknown }[]> {
  const { personKeys, erasures, report } = context;
  const found = findPersonalParts(rows, context.keys).map((parts, i) => unsealedParts(rows[i]!.data, parts, isSealed));
  const live: PersonalPart[][] = [];
  const gone: PersonalPart[][] = [];
  found.forEach((parts, i) => {
    const at = positionOf(rows[i]!);
    const erasedLater = (person: PersonRef) => {
      const erasedAt = erasures.get(personKey(person));
      return erasedAt !== undefined && comparePositions(at, erasedAt) < 0;
    };
    live.push(parts.filter((p) => !erasedLater(p.person)));
    gone.push(parts.filter((p) => erasedLater(p.person)));
  });
  const sealedLive = await sealPersonalParts(rows, live, personKeys);
  const sealed = await sealPersonalParts(sealedLive, gone, { liveKeys: (requests) => personKeys.destroyedKeys(requests, ERASED_BEFORE_SEALING) });
  for (const parts of found) report.parts += parts.length;
  for (const parts of gone) report.erasedParts += parts.length;
  return sealed.filter((_, i) => found[i]!.length > 0).map((row) => ({ position: row.position, data: row.data }));
}

const personKey = (person: PersonRef): string => `${person.kind}\u0000${person.id}`;
const positionOf = (row: Pick<EventRow, 'transaction_id' | 'position'>): LedgerPosition => ({ commit: BigInt(row.transaction_id), prepare: BigInt(row.position) });

/** Each person erased, with the ledger position of their last erasure: the person, and the contacts erased with them. */
async function erasuresIn(db: Kysely<unknown>): Promise<Map<string, LedgerPosition>> {
  const { rows } = await sql<Omit<EventRow, 'id' | 'type'>>`
    select global_position::text as position, transaction_id::text, data from ledger_events where event_type = ${ERASURE_EVENT_TYPES.personErased}
  `.execute(db);
  const erasures = new Map<string, LedgerPosition>();
  for (const row of rows) {
    const erased = row.data as PersonErased;
    const at = positionOf(row);
    const people: PersonRef[] = [{ kind: erased.kind, id: erased.id }, ...(erased.contacts ?? []).map((id): PersonRef => ({ kind: 'contact', id }))];
    for (const person of people) {
      const before = erasures.get(personKey(person));
      if (!before || comparePositions(before, at) < 0) erasures.set(personKey(person), at);
    }
  }
  return erasures;
}

