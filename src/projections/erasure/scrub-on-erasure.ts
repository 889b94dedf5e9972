import type { Transaction } from 'kysely';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../domain/erasure/person-erased.ts';
import type { RecordedEvent } from '../../ledger/event-store.ts';
import type { ReadModelProjection } from '../projection-runner.ts';
import type { ReadModelDatabase } from '../read-model-database.ts';

export const isPersonErased = (event: RecordedEvent): boolean => event.type === ERASURE_EVENT_TYPES.personErased;

/** What a read model does on an erasure: its rows of the person (and of their contacts) as a rebuild would read them. */
export type Scrub = (trx: Transaction<ReadModelDatabase>, erased: PersonErased) => Promise<void>;

/**
 * A read model that also scrubs its rows when someone is erased, in its own lane and in ledger
 * order: the events before the erasure are applied first, then the scrub, then those after it
 * (new data, under new keys). A rebuild runs the same scrub at the same place, over rows already
 * built from `[erased]` data, so live and rebuilt rows agree.
 */
export function scrubOnErasure(projection: ReadModelProjection, scrub: Scrub): ReadModelProjection {
  const applyOwn = async (trx: Transaction<ReadModelDatabase>, events: readonly RecordedEvent[]) => {
    if (events.length === 0) return;
    if (projection.applyAll) await projection.applyAll(trx, events);
    else for (const event of events) await projection.apply(trx, event);
  };
  const { afterCommit } = projection;
  return {
    name: projection.name,
    kind: 'read-model',
    handles: (event) => isPersonErased(event) || projection.handles(event),
    async applyAll(trx, events) {
      let from = 0;
      for (const [i, event] of events.entries()) {
        if (!isPersonErased(event)) continue;
        await applyOwn(trx, events.slice(from, i));
        await scrub(trx, event.data as PersonErased);
        from = i + 1;
      }
      await applyOwn(trx, events.slice(from));
    },
    ...(afterCommit ? { afterCommit: (events: readonly RecordedEvent[]) => afterCommit.call(projection, events.filter((e) => !isPersonErased(e))) } : {}),
  };
}
