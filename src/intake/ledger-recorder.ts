import type { Clock } from '../domain/clock.ts';
import type { EventStore } from '../ledger/event-store.ts';
import { recordInbound } from '../commands/inbound/record-inbound.ts';
import type { RecordInbound } from './amqp-intake-consumer.ts';

/** The consumer's `record` in production: the inbound dedup and a durable append to `inbound-<eventId>`. */
export function ledgerRecorder(store: EventStore, options: { clock: Clock; windowMs?: number }): RecordInbound {
  return (envelope, via) => recordInbound(store, envelope, { clock: options.clock, via, windowMs: options.windowMs });
}

/** Whether the ledger answers at all: the consumer asks before resuming after a pause. */
export const ledgerProbe = (store: EventStore) => async (): Promise<void> => {
  await store.headPosition();
};
