import { sql, type Kysely } from 'kysely';
import type { TokenTurnState } from '../domain/plan-approaching-turn.ts';
import { DEFAULT_WALKIN_THRESHOLD, type WalkInThresholdSet } from '../domain/walkin-events.ts';
import type { LedgerPosition } from '../ledger/event-store.ts';
import { positionColumns } from './reaction-position.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

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

export async function thresholdOf(db: Kysely<ReadModelDatabase>, key: QueueKey): Promise<number> {
  const row = await db
    .selectFrom('walkin_thresholds')
    .select('threshold')
    .where('centre_id', '=', key.centreId)
    .where('queue_id', '=', key.queueId)
    .executeTakeFirst();
  return row?.threshold ?? DEFAULT_WALKIN_THRESHOLD;
}

export async function queueState(db: Kysely<ReadModelDatabase>, key: QueueKey) {
  return db
    .selectFrom('walkin_queues')
    .select(['last_occurred_at', 'last_commit', 'last_prepare'])
    .where('centre_id', '=', key.centreId)
    .where('queue_id', '=', key.queueId)
    .executeTakeFirst();
}

/**
 * Moves the queue to this update. An older update (by occurredAt) only moves the position, so a
 * repeat is still recognised. False when the row has already seen this position (a repeat).
 */
export async function advanceQueue(db: Kysely<ReadModelDatabase>, key: QueueKey, occurredAt: string, position: LedgerPosition): Promise<boolean> {
  const written = await db
    .insertInto('walkin_queues')
    .values({ centre_id: key.centreId, queue_id: key.queueId, last_occurred_at: occurredAt, ...positionColumns(position) })
    .onConflict((oc) => oc
      .columns(['centre_id', 'queue_id'])
      .doUpdateSet((eb) => ({
        last_occurred_at: sql`greatest(walkin_queues.last_occurred_at, excluded.last_occurred_at)`,
        last_commit: eb.ref('excluded.last_commit'),
        last_prepare: eb.ref('excluded.last_prepare'),
      }))
      .where(sql<boolean>`(walkin_queues.last_commit, walkin_queues.last_prepare) < (excluded.last_commit, excluded.last_prepare)`))
    .returning('queue_id')
    .executeTakeFirst();
  return written !== undefined;
}

export async function tokenStates(db: Kysely<ReadModelDatabase>, key: QueueKey, localDate: string, tokens: readonly string[]): Promise<Map<string, TokenTurnState>> {
  const found = new Map<string, TokenTurnState>();
  if (tokens.length === 0) return found;
  const rows = await db
    .selectFrom('walkin_tokens')
    .select(['token_number', 'called', 'notified_commit'])
    .where('centre_id', '=', key.centreId)
    .where('queue_id', '=', key.queueId)
    .where('local_date', '=', localDate)
    .where('token_number', 'in', tokens)
    .execute();
  for (const r of rows) found.set(r.token_number, { called: r.called, notified: r.notified_commit !== null });
  return found;
}

/** Marks tokens told at this position; answers those it marked (not told before, not called meanwhile). */
export async function markNotified(
  db: Kysely<ReadModelDatabase>,
  key: QueueKey,
  localDate: string,
  tokens: readonly { number: string; position: number }[],
  threshold: number,
  position: LedgerPosition,
): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const at = { notified_commit: position.commit.toString(), notified_prepare: position.prepare.toString(), notified_threshold: threshold };
  const marked = await db
    .insertInto('walkin_tokens')
    .values(tokens.map((t) => ({ centre_id: key.centreId, queue_id: key.queueId, local_date: localDate, token_number: t.number, notified_position: t.position, ...at })))
    .onConflict((oc) => oc
      .columns(['centre_id', 'queue_id', 'local_date', 'token_number'])
      .doUpdateSet((eb) => ({
        notified_commit: eb.ref('excluded.notified_commit'),
        notified_prepare: eb.ref('excluded.notified_prepare'),
        notified_position: eb.ref('excluded.notified_position'),
        notified_threshold: eb.ref('excluded.notified_threshold'),
      }))
      .where((eb) => eb.and([eb('walkin_tokens.notified_commit', 'is', null), eb('walkin_tokens.called', '=', false)])))
    .returning('token_number')
    .execute();
  return new Set(marked.map((m) => m.token_number));
}

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
    .values(calls.map((c) => ({ centre_id: c.centreId, queue_id: c.queueId, local_date: c.localDate, token_number: c.token, called: true })))
    .onConflict((oc) => oc.columns(['centre_id', 'queue_id', 'local_date', 'token_number']).doUpdateSet({ called: true }))
    .execute();
}
