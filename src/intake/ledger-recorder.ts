import type { Clock } from '../domain/clock.ts';
import type { Envelope } from '../domain/intake/envelope.ts';
import type { IntakeVia } from '../domain/intake/inbound-receipt.ts';
import type { EventStore } from '../ledger/event-store.ts';
import { recordInbound, type InboundOutcome } from '../commands/inbound/record-inbound.ts';

/** Records one inbound event; `actor` is the token name of a caller who published it by hand. */
export type LedgerRecorder = (envelope: Envelope, via: IntakeVia, actor?: string) => Promise<InboundOutcome>;

export interface LedgerRecorderOptions {
  clock: Clock;
  windowMs?: number;
  /** The key of payload hashes, so a hash of a payload with personal data reveals nothing of it. */
  hashKey?: Buffer;
  /**
   * Tests only: runs before every inbound event is recorded, whichever door it came through, and
   * may throw to stand for a failure of that one message.
   */
  beforeRecord?: (envelope: Envelope, via: IntakeVia) => void;
}

/**
 * The one way an inbound event enters the ledger, whichever door it came through (AMQP, POST
 * /events, GraphQL): the inbound dedup and a durable append to `inbound-<eventId>`. The service
 * builds its intake from it, and tests and benches build theirs the same way.
 */
export function ledgerRecorder(store: EventStore, options: LedgerRecorderOptions): LedgerRecorder {
  return async (envelope, via, actor) => {
    options.beforeRecord?.(envelope, via);
    return recordInbound(store, envelope, { clock: options.clock, via, actor, windowMs: options.windowMs, ...(options.hashKey ? { hashKey: options.hashKey } : {}) });
  };
}

/** Whether the ledger answers at all: the consumer asks before resuming after a pause. */
export const ledgerProbe = (store: EventStore) => async (): Promise<void> => {
  await store.headPosition();
};
