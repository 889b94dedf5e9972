import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import type { LedgerKeys } from '../domain/keys/ledger-keys.ts';
import type { EventStore, RecordedEvent } from '../ledger/event-store.ts';
import type { Logger } from '../telemetry/logger.ts';
import { BatchState, type KeptBatchState } from './batch-state.ts';
import { InlineDeliveries } from './deliveries/deliveries-projection.ts';
import type { LedgerReaction, PendingAppend, ReactionContext } from './ledger-reaction.ts';
import type { ProcessorProjection } from './projection-runner.ts';
import type { ReadModelDatabase } from './read-model-database.ts';

export interface PlannerOptions {
  store: EventStore;
  clock: Clock;
  logger: Logger;
  /** The contact-hash key: the planner's state finds opt-outs by the keyed hash of an address. */
  keys: Pick<LedgerKeys, 'contactHash'>;
  reactions: readonly LedgerReaction[];
  /** Appends in flight at once. */
  concurrency?: number;
  /**
   * Notification rows written in the statement of the appends that start them (the store must
   * `appendEachWith`): the dispatcher can claim a plan the moment it commits.
   */
  inline?: InlineDeliveries;
}

/**
 * Runs the reactions over the ledger in order and makes the appends they decide. A lost race on an
 * append means it was already made (ids and stream names are deterministic), so it is not an error.
 */
export function plannerProcessor(options: PlannerOptions): ProcessorProjection {
  const { store, clock, logger, keys, reactions } = options;
  const concurrency = options.concurrency ?? 32;
  // The settings parts of batch state, from batch to batch (BatchState); a failed batch starts them afresh.
  const kept: KeptBatchState = new Map();

  // Appends to one stream are made one after another, in the order decided: each expects the
  // revision the one before it leaves (two events of one appointment in a batch). Streams run side by side.
  const flush = async (pending: PendingAppend[]) => {
    const byStream = new Map<string, PendingAppend[]>();
    for (const append of pending) {
      const queue = byStream.get(append.stream);
      if (queue) queue.push(append);
      else byStream.set(append.stream, [append]);
    }
    const queues = [...byStream.values()];
    if (!options.inline) return appendInTurns(queues);
    // Streams a notification starts (its plan, in one append) go together in one statement with their
    // rows; the rest as before, alongside.
    const starting = new Set(queues.filter((queue) => InlineDeliveries.takes(queue)));
    await Promise.all([appendWithRows([...starting].flat(), options.inline), appendInTurns(queues.filter((queue) => !starting.has(queue)))]);
  };

  const appendWithRows = async (appends: readonly PendingAppend[], inline: InlineDeliveries) => {
    if (appends.length === 0) return;
    const { alongside, answered, failed } = inline.prepare();
    const appended = await store.appendEachWith!(appends, alongside).catch((error: unknown) => {
      failed();
      throw error;
    });
    answered(appended);
    const made = appended.results.filter((r) => r.ok).length;
    if (made < appends.length) logger.debug({ appends: appends.length - made }, 'planner appends already made');
  };

  const appendInTurns = async (queues: readonly PendingAppend[][]) => {
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(concurrency, queues.length) }, async () => {
      for (let queue = queues[next++]; queue; queue = queues[next++]) {
        for (const append of queue) {
          const result = await store.append(append.stream, append.events, append.expected);
          if (!result.ok) logger.debug({ stream: append.stream }, 'planner append already made');
        }
      }
    }));
  };

  return {
    name: 'planner',
    kind: 'processor',
    handles: (event) => reactions.some((r) => r.handles(event)),
    async applyBatch(db: Kysely<ReadModelDatabase>, events: readonly RecordedEvent[]) {
      try {
        await applyBatch(db, events);
      } catch (error) {
        kept.clear();
        throw error;
      }
    },
  };

  async function applyBatch(db: Kysely<ReadModelDatabase>, events: readonly RecordedEvent[]): Promise<void> {
    const context: ReactionContext = { db, clock, state: new BatchState(db, { keys }, kept) };
    // The reactions' reads go out together: each is a round trip the batch would otherwise wait for in turn.
    await Promise.all(reactions.map(async (reaction) => {
      const handled = events.filter((e) => reaction.handles(e));
      if (handled.length > 0) await reaction.prefetch?.(handled, context);
    }));
    let pending: PendingAppend[] = [];
    for (const event of events) {
      for (const reaction of reactions) {
        if (!reaction.handles(event)) continue;
        pending.push(...(await reaction.react(event, context)));
      }
      // A long batch flushes as it goes, so the first messages are not held up by the last.
      if (pending.length >= concurrency) {
        await flush(pending);
        pending = [];
      }
    }
    // Both before the checkpoint, in either order: a repeated batch decides the same again.
    await Promise.all([context.state.flush(), flush(pending)]);
  }
}
