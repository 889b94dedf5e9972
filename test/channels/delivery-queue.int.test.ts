import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimDue, nextDueAt } from '../../src/channels/delivery-queue.queries.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { analyzedPlan } from '../support/analyzed-plan.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';

// The dispatcher's two questions of the deliveries table, asked many times a second: what can I
// claim now, and when does the next notification fall due. Both must read the due index, not the
// table: sent notifications pile up for ever, and statistics may be missing (autovacuum off).
const SENT = 20_000;
const T0 = new Date('2026-12-03T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let ledger: LedgerDatabase;
// The same database through a query builder that keeps every statement it runs, to ask for its plan.
let logged: Kysely<ReadModelDatabase>;
const statements: CompiledQuery[] = [];

beforeAll(async () => {
  ledger = await openLedgerDatabase();
  // Long finished notifications: no longer due, never to be claimed again.
  await sql`
    insert into notifications (notification_id, event_id, event_type, channel, recipient_kind, recipient_id, locale,
                               selection, status, attempts, created_at, updated_at, applied_revision)
    select gen_random_uuid(), 'his:' || g, 'appointment.confirmed', 'whatsapp', 'patient', 'p' || g, 'en',
           '{}'::jsonb, 'sent', 1, ${T0}, ${T0}, 2
      from generate_series(1, ${SENT}) g
  `.execute(ledger.db);
  logged = new Kysely<ReadModelDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ledger.database.url, max: 2 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query);
    },
  });
}, 60_000);

afterAll(async () => {
  await logged?.destroy();
  await ledger?.close();
});

beforeEach(async () => {
  await sql`delete from notifications where status = 'planned'`.execute(ledger.db);
});

async function pending(rows: { dueAt: Date; lockedUntil?: Date; channel?: string }[]): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  await ledger.db
    .insertInto('notifications')
    .values(rows.map((r, i) => ({
      notification_id: ids[i]!,
      event_id: `his:pending-${ids[i]}`,
      event_type: 'appointment.confirmed',
      channel: r.channel ?? 'whatsapp',
      recipient_kind: 'patient',
      recipient_id: 'p-pending',
      locale: 'en',
      selection: JSON.stringify({}),
      status: 'planned',
      due_at: r.dueAt,
      locked_by: r.lockedUntil ? 'another-worker' : null,
      locked_until: r.lockedUntil ?? null,
      created_at: T0,
      updated_at: T0,
      applied_revision: 0,
    })))
    .execute();
  return ids;
}

/** The statement's plan: every table scan in it, by kind. */
async function scansOf(query: CompiledQuery): Promise<string[]> {
  const { rows } = await ledger.db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${query.sql}`, [...query.parameters]));
  return rows.map((r) => r['QUERY PLAN']).filter((line) => / Scan .*on notifications\b/.test(line)).map((line) => line.trim().replace(/\s+\(cost.*$/, ''));
}

describe('when the next notification falls due', () => {
  it('is the earliest due time of a notification nobody holds', async () => {
    await pending([{ dueAt: at(5_000) }, { dueAt: at(2_000) }, { dueAt: at(9_000) }]);
    expect(await nextDueAt(ledger.db, T0)).toEqual(at(2_000));
  });

  it('passes over notifications another worker holds, and counts those whose lease has run out as due', async () => {
    await pending([{ dueAt: at(-1_000), lockedUntil: at(30_000) }, { dueAt: at(4_000) }]);
    expect(await nextDueAt(ledger.db, T0)).toEqual(at(4_000));
    await pending([{ dueAt: at(-2_000), lockedUntil: at(-500) }]);
    expect(await nextDueAt(ledger.db, T0)).toEqual(at(-500));
  });

  it('is nothing when nothing is pending, however many were sent', async () => {
    expect(await nextDueAt(ledger.db, T0)).toBeNull();
  });
});

describe('claiming per channel', () => {
  it('takes at most each channel\'s own limit, oldest due first within each, and nothing of a channel not asked for', async () => {
    // Emails due first and in numbers: a claim across channels would hand them every place.
    const emails = await pending(Array.from({ length: 30 }, (_, i) => ({ dueAt: at(-10_000 + i), channel: 'email' })));
    const whatsapps = await pending(Array.from({ length: 10 }, (_, i) => ({ dueAt: at(-5_000 + i), channel: 'whatsapp' })));
    await pending([{ dueAt: at(-20_000), channel: 'sms' }]);

    const claimed = await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { email: 4, whatsapp: 8 } });

    const of = (channel: string) => claimed.filter((row) => row.channel === channel).map((row) => row.notification_id).sort();
    expect(of('email')).toEqual(emails.slice(0, 4).sort());
    expect(of('whatsapp')).toEqual(whatsapps.slice(0, 8).sort());
    expect(of('sms')).toEqual([]);
  });

  it('passes over rows another worker holds, and a second claim takes the rest', async () => {
    const whatsapps = await pending(Array.from({ length: 6 }, (_, i) => ({ dueAt: at(-1_000 + i) })));
    const first = await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 4 } });
    const second = await claimDue(ledger.db, { worker: 'w2', now: T0, leaseMs: 30_000, limits: { whatsapp: 4 } });
    expect(first.map((row) => row.notification_id).sort()).toEqual(whatsapps.slice(0, 4).sort());
    expect(second.map((row) => row.notification_id).sort()).toEqual(whatsapps.slice(4).sort());
  });

  it('answers the next due time of the channels asked about only', async () => {
    await pending([{ dueAt: at(-1_000), channel: 'email' }, { dueAt: at(3_000), channel: 'whatsapp' }]);
    expect(await nextDueAt(ledger.db, T0, ['whatsapp'])).toEqual(at(3_000));
    expect(await nextDueAt(ledger.db, T0, [])).toBeNull();
  });
});

describe('taking sent notifications off the queue', () => {
  it('happens in the next claim, for the rows the worker still holds, and leaves them to no later claim', async () => {
    const ids = await pending(Array.from({ length: 4 }, (_, i) => ({ dueAt: at(-1_000 + i) })));
    const claimed = await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 3 } });
    expect(claimed.map((row) => row.notification_id).sort()).toEqual(ids.slice(0, 3).sort());
    // w1 sent all three; the leases ran out first and w2 holds the oldest now, which is not w1's to take off.
    const lapsed = at(40_000);
    expect(await claimDue(ledger.db, { worker: 'w2', now: lapsed, leaseMs: 30_000, limits: { whatsapp: 1 } })).toEqual([{ notification_id: ids[0], channel: 'whatsapp' }]);
    const next = await claimDue(ledger.db, { worker: 'w1', now: lapsed, leaseMs: 30_000, limits: { whatsapp: 5 }, sent: ids.slice(0, 3) });

    // Its other two sent rows were due to the claim as well (their leases ran out): they left the queue instead.
    expect(next.map((row) => row.notification_id)).toEqual([ids[3]]);
    const rows = await ledger.db.selectFrom('notifications').select(['notification_id', 'due_at', 'locked_by']).where('notification_id', 'in', ids).execute();
    const of = (id: string) => rows.find((row) => row.notification_id === id)!;
    expect(of(ids[0]!)).toMatchObject({ due_at: at(-1_000), locked_by: 'w2' });
    expect(of(ids[1]!)).toMatchObject({ due_at: null, locked_by: null });
    expect(of(ids[2]!)).toMatchObject({ due_at: null, locked_by: null });
    // Long after every lease: only w2's row and w1's unsent one come back.
    const later = await claimDue(ledger.db, { worker: 'w3', now: at(600_000), leaseMs: 30_000, limits: { whatsapp: 5 } });
    expect(later.map((row) => row.notification_id).sort()).toEqual([ids[0], ids[3]].sort());
  });

  it('passes over a row another transaction is updating, rather than wait for it', async () => {
    const ids = await pending([{ dueAt: at(-2_000) }, { dueAt: at(-1_000) }]);
    await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 2 } });
    // The read model in the middle of its batch's update of the first row (its statement holds the row till it commits).
    const held = new pg.Client({ connectionString: ledger.database.url });
    await held.connect();
    try {
      await held.query('begin');
      await held.query(`update notifications set status = 'sending' where notification_id = $1`, [ids[0]]);
      // Waiting here would never end before the commit below, which comes after it.
      await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 1 }, sent: ids });
      await held.query('commit');
    } finally {
      await held.end();
    }
    const rows = await ledger.db.selectFrom('notifications').select(['notification_id', 'due_at', 'locked_by']).where('notification_id', 'in', ids).execute();
    expect(rows.find((row) => row.notification_id === ids[0])).toMatchObject({ due_at: at(-2_000), locked_by: 'w1' });
    expect(rows.find((row) => row.notification_id === ids[1])).toMatchObject({ due_at: null, locked_by: null });
  });

  it('happens without a claim when no channel has room', async () => {
    const [id] = await pending([{ dueAt: at(-1_000) }]);
    await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 1 } });
    expect(await claimDue(ledger.db, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 0 }, sent: [id!] })).toEqual([]);
    const row = await ledger.db.selectFrom('notifications').select(['due_at', 'locked_by']).where('notification_id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toEqual({ due_at: null, locked_by: null });
  });
});

describe('the dispatcher queries on a table of sent notifications without statistics', () => {
  it('read the due index and the primary key, never the whole table', async () => {
    await pending(Array.from({ length: 50 }, (_, i) => ({ dueAt: at(-i) })));

    statements.length = 0;
    expect(await nextDueAt(logged, T0)).toEqual(at(-49));
    const [next] = statements;
    expect(await scansOf(next!)).toEqual(['->  Index Scan using notifications_due on notifications']);

    statements.length = 0;
    const claimed = await claimDue(logged, { worker: 'w1', now: T0, leaseMs: 30_000, limits: { whatsapp: 20, email: 5 } });
    expect(claimed).toHaveLength(20);
    const [claim] = statements;
    expect((await scansOf(claim!)).filter((s) => s.includes('Seq Scan'))).toEqual([]);
  });

  it('claim without reading again the rows that left the queue since the last vacuum', async () => {
    // A busy hour: thousands of notifications sent and taken off the queue, each leaving an entry
    // behind on the due index that no vacuum has removed (autovacuum is off here; elsewhere it runs
    // now and then) and no claim has passed over yet.
    const busy = await pending(Array.from({ length: 3_000 }, (_, i) => ({ dueAt: at(-100_000 + i) })));
    await ledger.db.updateTable('notifications').set({ due_at: null, status: 'sent' }).where('notification_id', 'in', busy).execute();
    await pending(Array.from({ length: 5 }, (_, i) => ({ dueAt: at(-10 + i) })));
    // A batch as large as a busy dispatcher asks for: the planner, expecting fewer rows, would scan by bitmap.
    expect(await claimDue(ledger.db, { worker: 'w2', now: T0, leaseMs: 30_000, limits: { whatsapp: 200 } })).toHaveLength(5);

    // A plain index scan passes over the entries left behind and marks them dead as it goes, once no
    // transaction still running may see their rows (other databases' transactions can keep that
    // from the first claim after them); a bitmap scan marks nothing and visits the page of every
    // one (150 pages here), at every claim.
    statements.length = 0;
    expect(await claimDue(logged, { worker: 'w3', now: T0, leaseMs: 30_000, limits: { whatsapp: 200 } })).toEqual([]);
    const pages: number[] = [];
    for (let claims = 0; claims < 50 && !(pages.at(-1)! < 50); claims++) {
      if (claims > 0) await delay(100);
      pages.push((await analyzedPlan(ledger.db, statements[0]!, { rollBack: true })).pages);
    }
    expect(pages.at(-1)).toBeLessThan(50);
  });
});
