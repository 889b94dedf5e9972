import type { Kysely } from 'kysely';
import type { TokenTurnState } from '../../domain/walk-in/plan-approaching-turn.ts';
import { comparePositions, type LedgerPosition } from '../../ledger/event-store.ts';
import { positionOf } from '../reaction-position.ts';
import { batchStateKind } from '../batch-state.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';
import {
  loadQueues,
  loadThresholds,
  loadTokens,
  markCalled,
  markNotified,
  queueKey,
  saveQueues,
  tokenKey,
  type QueueKey,
  type TokenMark,
} from './walkin-state.queries.ts';

type Db = Kysely<ReadModelDatabase>;

export interface QueueRow {
  /** The latest occurredAt applied (ms). */
  lastOccurredAt: number;
  /** The ledger position of the last update applied. */
  position: LedgerPosition;
}

/**
 * The walk-in reaction's queues, thresholds and tokens for one planner batch: read once, written
 * through, written back at the end of the batch (queues, then tokens told, then tokens called, so a
 * token told before it was called keeps its mark). Like the reminder schedule, what it decides
 * follows from the ledger alone; an instance that got there first wrote the same.
 */
export class WalkinQueues {
  readonly #db: Db;
  readonly #queues = new Map<string, QueueRow | null>();
  readonly #thresholds = new Map<string, number | null>();
  readonly #tokens = new Map<string, TokenTurnState>();
  readonly #advanced = new Map<string, { key: QueueKey; row: QueueRow }>();
  readonly #marks: TokenMark[] = [];
  readonly #calls = new Map<string, QueueKey & { localDate: string; token: string }>();

  constructor(db: Db) {
    this.#db = db;
  }

  /** Loads what is not known yet of these queues (row and threshold) and tokens, a query each. */
  async load(queues: readonly QueueKey[], tokens: readonly { key: QueueKey; localDate: string; token: string }[]): Promise<void> {
    const newQueues = uniqueBy(queues.filter((k) => !this.#queues.has(queueKey(k))), queueKey);
    const newThresholds = uniqueBy(queues.filter((k) => !this.#thresholds.has(queueKey(k))), queueKey);
    const newTokens = uniqueBy(tokens.filter((t) => !this.#tokens.has(tokenKey(t.key, t.localDate, t.token))), (t) => tokenKey(t.key, t.localDate, t.token));
    const [rows, thresholds, known] = await Promise.all([loadQueues(this.#db, newQueues), loadThresholds(this.#db, newThresholds), loadTokens(this.#db, newTokens)]);
    for (const k of newQueues) {
      const row = rows.get(queueKey(k));
      this.#queues.set(queueKey(k), row ? { lastOccurredAt: row.lastOccurredAt, position: positionOf(row) } : null);
    }
    for (const k of newThresholds) this.#thresholds.set(queueKey(k), thresholds.get(queueKey(k)) ?? null);
    for (const t of newTokens) {
      const id = tokenKey(t.key, t.localDate, t.token);
      // A call earlier in this batch is not in the table yet.
      this.#tokens.set(id, { notified: false, called: false, ...known.get(id), ...(this.#calls.has(id) ? { called: true } : {}) });
    }
  }

  async queue(key: QueueKey): Promise<QueueRow | null> {
    await this.load([key], []);
    return this.#queues.get(queueKey(key)) ?? null;
  }

  /**
   * Moves the queue to an update at `position`; false when the queue has already seen it or a later
   * one (a repeated batch, or another instance first). An older update (by occurredAt) only moves
   * the position, so a repeat is still recognised.
   */
  async advance(key: QueueKey, occurredAt: number, position: LedgerPosition): Promise<boolean> {
    const before = await this.queue(key);
    if (before && comparePositions(before.position, position) >= 0) return false;
    const row = { lastOccurredAt: Math.max(before?.lastOccurredAt ?? occurredAt, occurredAt), position };
    this.#queues.set(queueKey(key), row);
    this.#advanced.set(queueKey(key), { key, row });
    return true;
  }

  /** The queue's threshold as of now in the batch, or undefined for the default. */
  async threshold(key: QueueKey): Promise<number | undefined> {
    await this.load([key], []);
    return this.#thresholds.get(queueKey(key)) ?? undefined;
  }

  /** The queue's threshold was written: read it again when next asked. */
  thresholdChanged(key: QueueKey): void {
    this.#thresholds.delete(queueKey(key));
  }

  async tokenStates(key: QueueKey, localDate: string, tokens: readonly string[]): Promise<Map<string, TokenTurnState>> {
    await this.load([], tokens.map((token) => ({ key, localDate, token })));
    return new Map(tokens.map((token) => [token, this.#tokens.get(tokenKey(key, localDate, token))!]));
  }

  /** These tokens were told their turn is near at `position`. */
  told(marks: readonly TokenMark[]): void {
    for (const mark of marks) {
      const id = tokenKey(mark.key, mark.localDate, mark.token);
      this.#tokens.set(id, { called: false, ...this.#tokens.get(id), notified: true });
      this.#marks.push(mark);
    }
  }

  called(key: QueueKey, localDate: string, token: string): void {
    const id = tokenKey(key, localDate, token);
    const known = this.#tokens.get(id);
    if (known) this.#tokens.set(id, { ...known, called: true });
    this.#calls.set(id, { ...key, localDate, token });
  }

  async flush(): Promise<void> {
    const advanced = [...this.#advanced.values()];
    this.#advanced.clear();
    await saveQueues(this.#db, advanced);
    await markNotified(this.#db, this.#marks.splice(0));
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    await markCalled(this.#db, calls);
  }
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

/** The walk-in reaction's own state. */
export const walkinQueues = batchStateKind('walkin-queues', (db) => new WalkinQueues(db));
