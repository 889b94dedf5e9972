import { sql, type Kysely } from 'kysely';
import type { TokenTurnState } from '../../domain/walk-in/plan-approaching-turn.ts';
import type { WalkInThresholdSet } from '../../domain/walk-in/walkin-events.ts';
import type { LedgerPosition } from '../../ledger/event-store.ts';
import { jsonRecordset } from '../json-recordset.ts';
import { positionColumns } from '../reaction-position.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

export interface QueueKey {
  centreId: string;
  queueId: string;
}

export async function saveThreshold(db: Kysely<ReadModelDatabase>, set: WalkInThresholdSet, position: LedgerPosition): Promise<void> {
  const values = { threshold: set.threshold, actor: set.actor, set_at: set.at, ...positionColumns(position) };
  await db
    .insertInto('walkin_thresholds')
    .values({ centre_id: set.centreId, queue_id: set.queueId, ...values })
    .onConflict((oc) => oc
      .columns(['centre_id', 'queue_id'])
      .doUpdateSet(values)
      .where(sql<boolean>`(walkin_thresholds.last_commit, walkin_thresholds.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** Identities of a queue and of a token on a day, as map keys. */
export const queueKey = (k: QueueKey): string => JSON.stringify([k.centreId, k.queueId]);
export const tokenKey = (k: QueueKey, localDate: string, token: string): string => JSON.stringify([k.centreId, k.queueId, localDate, token]);

const QUEUE_COLUMNS = { centre_id: 'text', queue_id: 'text' } as const;
const TOKEN_COLUMNS = { centre_id: 'text', queue_id: 'text', local_date: 'text', token_number: 'text' } as const;

/** The thresholds admins set for these queues (the rest use the default). */
export async function loadThresholds(db: Kysely<ReadModelDatabase>, keys: readonly QueueKey[]): Promise<Map<string, number>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('walkin_thresholds as t')
    .innerJoin(jsonRecordset<QueueColumns, 'k'>(keys.map(queueColumns), QUEUE_COLUMNS, 'k'), (join) => join.onRef('k.centre_id', '=', 't.centre_id').onRef('k.queue_id', '=', 't.queue_id'))
    .select(['t.centre_id', 't.queue_id', 't.threshold'])
    .execute();
  return new Map(rows.map((r) => [queueKey({ centreId: r.centre_id, queueId: r.queue_id }), r.threshold]));
}

/** Where each of these queues stands: the last update applied (position) and the latest occurredAt. */
export async function loadQueues(db: Kysely<ReadModelDatabase>, keys: readonly QueueKey[]) {
  if (keys.length === 0) return new Map<string, { lastOccurredAt: number; last_commit: string; last_prepare: string }>();
  const rows = await db
    .selectFrom('walkin_queues as q')
    .innerJoin(jsonRecordset<QueueColumns, 'k'>(keys.map(queueColumns), QUEUE_COLUMNS, 'k'), (join) => join.onRef('k.centre_id', '=', 'q.centre_id').onRef('k.queue_id', '=', 'q.queue_id'))
    .select(['q.centre_id', 'q.queue_id', 'q.last_occurred_at', 'q.last_commit', 'q.last_prepare'])
    .execute();
  return new Map(rows.map((r) => [
    queueKey({ centreId: r.centre_id, queueId: r.queue_id }),
    { lastOccurredAt: new Date(r.last_occurred_at).getTime(), last_commit: String(r.last_commit), last_prepare: String(r.last_prepare) },
  ]));
}

/**
 * Moves each queue to the last update a batch applied to it, unless the row has seen that position
 * or a later one. The latest occurredAt stays the latest: an older update only moves the position.
 */
export async function saveQueues(db: Kysely<ReadModelDatabase>, queues: readonly { key: QueueKey; row: { lastOccurredAt: number; position: LedgerPosition } }[]): Promise<void> {
  if (queues.length === 0) return;
  await db
    .insertInto('walkin_queues')
    .values(queues.map(({ key, row }) => ({
      centre_id: key.centreId,
      queue_id: key.queueId,
      last_occurred_at: new Date(row.lastOccurredAt),
      ...positionColumns(row.position),
    })))
    .onConflict((oc) => oc
      .columns(['centre_id', 'queue_id'])
      .doUpdateSet((eb) => ({
        last_occurred_at: sql`greatest(walkin_queues.last_occurred_at, excluded.last_occurred_at)`,
        last_commit: eb.ref('excluded.last_commit'),
        last_prepare: eb.ref('excluded.last_prepare'),
      }))
      .where(sql<boolean>`(walkin_queues.last_commit, walkin_queues.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .execute();
}

/** What is known of these tokens on their day: told already, called already. */
export async function loadTokens(db: Kysely<ReadModelDatabase>, tokens: readonly { key: QueueKey; localDate: string; token: string }[]): Promise<Map<string, TokenTurnState>> {
  if (tokens.length === 0) return new Map();
  const wanted = tokens.map((t) => ({ ...queueColumns(t.key), local_date: t.localDate, token_number: t.token }));
  const rows = await db
    .selectFrom('walkin_tokens as w')
    .innerJoin(jsonRecordset<QueueColumns & { local_date: string; token_number: string }, 'k'>(wanted, TOKEN_COLUMNS, 'k'), (join) => join
      .onRef('k.centre_id', '=', 'w.centre_id')
      .onRef('k.queue_id', '=', 'w.queue_id')
      .onRef('k.local_date', '=', 'w.local_date')
      .onRef('k.token_number', '=', 'w.token_number'))
    .select(['w.centre_id', 'w.queue_id', 'w.local_date', 'w.token_number', 'w.called', 'w.notified_commit'])
    .execute();
  return new Map(rows.map((r) => [
    tokenKey({ centreId: r.centre_id, queueId: r.queue_id }, r.local_date, r.token_number),
    { called: r.called, notified: r.notified_commit !== null },
  ]));
}

/** A token told its turn is near, by the update at `position`, under `threshold`. */
export interface TokenMark {
  key: QueueKey;
  localDate: string;
  token: string;
  queuePosition: number;
  threshold: number;
  position: LedgerPosition;
}

/** Marks tokens told, each at its update's position; a token told before, or called meanwhile, keeps its row. */
export async function markNotified(db: Kysely<ReadModelDatabase>, marks: readonly TokenMark[]): Promise<void> {
  if (marks.length === 0) return;
  await db
    .insertInto('walkin_tokens')
    .values(marks.map((m) => ({
      ...queueColumns(m.key),
      local_date: m.localDate,
      token_number: m.token,
      notified_position: m.queuePosition,
      notified_commit: m.position.commit.toString(),
      notified_prepare: m.position.prepare.toString(),
      notified_threshold: m.threshold,
    })))
    .onConflict((oc) => oc
      .columns(['centre_id', 'queue_id', 'local_date', 'token_number'])
      .doUpdateSet((eb) => ({
        notified_commit: eb.ref('excluded.notified_commit'),
        notified_prepare: eb.ref('excluded.notified_prepare'),
        notified_position: eb.ref('excluded.notified_position'),
        notified_threshold: eb.ref('excluded.notified_threshold'),
      }))
      .where((eb) => eb.and([eb('walkin_tokens.notified_commit', 'is', null), eb('walkin_tokens.called', '=', false)])))
    .execute();
}

interface QueueColumns {
  centre_id: string;
  queue_id: string;
}

const queueColumns = (k: QueueKey): QueueColumns => ({ centre_id: k.centreId, queue_id: k.queueId });

/** The tokens an update at `position` told, with the threshold it used: what a repeat of it re-plans. */
export async function notifiedAt(db: Kysely<ReadModelDatabase>, key: QueueKey, position: LedgerPosition) {
  return db
    .selectFrom('walkin_tokens')
    .select(['token_number', 'local_date', 'notified_threshold'])
    .where('centre_id', '=', key.centreId)
    .where('queue_id', '=', key.queueId)
    .where('notified_commit', '=', position.commit.toString())
    .where('notified_prepare', '=', position.prepare.toString())
    .execute();
}

/** Tokens called: none of them is told its turn is near from now on. */
export async function markCalled(db: Kysely<ReadModelDatabase>, calls: readonly (QueueKey & { localDate: string; token: string })[]): Promise<void> {
  if (calls.length === 0) return;
  await db
    .insertInto('walkin_tokens')
    .values(calls.map((c) => ({ ...queueColumns(c), local_date: c.localDate, token_number: c.token, called: true })))
    .onConflict((oc) => oc.columns(['centre_id', 'queue_id', 'local_date', 'token_number']).doUpdateSet({ called: true }))
    .execute();
}
