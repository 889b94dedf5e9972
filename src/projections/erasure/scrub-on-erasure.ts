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
  // The arrays the projection was given for each batch, so its afterCommit sees the same ones (it may key on them).
  const segmentsOf = new WeakMap<readonly RecordedEvent[], (readonly RecordedEvent[])[]>();
  const { afterCommit } = projection;
  return {
    name: projection.name,
    kind: 'read-model',
    ...(projection.commitsFirst ? { commitsFirst: true } : {}),
    handles: (event) => isPersonErased(event) || projection.handles(event),
    async applyAll(trx, events) {
      if (!events.some(isPersonErased)) {
        await applyOwn(trx, events);
        segmentsOf.set(events, [events]);
        return;
      }
      const segments: (readonly RecordedEvent[])[] = [];
      let from = 0;
      for (const [i, event] of events.entries()) {
        if (!isPersonErased(event)) continue;
        segments.push(events.slice(from, i));
        await applyOwn(trx, segments.at(-1)!);
        await scrub(trx, event.data as PersonErased);
        from = i + 1;
      }
      segments.push(events.slice(from));
      await applyOwn(trx, segments.at(-1)!);
      segmentsOf.set(events, segments.filter((segment) => segment.length > 0));
    },
    ...(afterCommit
      ? { afterCommit: (events: readonly RecordedEvent[]) => { for (const segment of segmentsOf.get(events) ?? []) afterCommit.call(projection, segment); } }
      : {}),
  };
}
