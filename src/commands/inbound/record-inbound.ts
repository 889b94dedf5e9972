import type { Clock } from '../../domain/clock.ts';
import type { Envelope } from '../../domain/intake/envelope.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { ok } from '../../domain/result.ts';
import {
  DUPLICATE_IGNORED,
  INBOUND_RECEIVED,
  decideInbound,
  evolveInbound,
  initialInboundState,
  type IntakeVia,
} from '../../domain/intake/inbound-receipt.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, type EventStore, type LedgerPosition } from '../../ledger/event-store.ts';
import { countingEvents, handleCommand, isConflict } from '../handle-command.ts';

export const DEFAULT_DEDUP_WINDOW_MS = 5 * 60 * 1000;

export type InboundOutcome =
  | { outcome: 'accepted'; position: LedgerPosition; receipt: number }
  | { outcome: 'duplicate'; position: LedgerPosition; payloadMatches: boolean };

export interface RecordInboundOptions {
  clock: Clock;
  via: IntakeVia;
  windowMs?: number;
  /** Who published it, when a person's token did (HTTP, GraphQL); recorded as metadata.actor. */
  actor?: string;
  /** The key of payload hashes (LedgerKeys.payloadHash): without it, the plain SHA-256 of old. */
  hashKey?: Buffer;
}

/**
 * Records an upstream event in `inbound-<eventId>`, or notes it as a duplicate. Race-safe: every
 * append is at the revision just read, so two instances receiving the same event record it once.
 * Resolves only when the append is durable.
 */
export async function recordInbound(store: EventStore, envelope: Envelope, options: RecordInboundOptions): Promise<InboundOutcome> {
  const stream = streamName.inbound(envelope.eventId);
  const windowMs = options.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  // Most events arrive once, so the first attempt assumes a new stream and skips the read: a stream
  // that exists answers with a conflict (nothing written), and the next attempt reads it.
  const result = await handleCommand(store, stream, inboundFold, ({ state, length }, _command: null, now) => {
    const decision = decideInbound(state, envelope, now, windowMs, options.via, options.hashKey);
    const outcome: Decided = decision.kind === 'accept'
      ? { outcome: 'accepted', receipt: state.receipts + 1 }
      : { outcome: 'duplicate', payloadMatches: decision.event.payloadMatches };
    return ok({
      answer: outcome,
      events: [{
        id: deterministicUuid('inbound', envelope.eventId, length),
        type: decision.kind === 'accept' ? INBOUND_RECEIVED : DUPLICATE_IGNORED,
        data: decision.event,
        metadata: { correlationId: envelope.eventId, occurredAt: envelope.occurredAt, ...(options.actor ? { actor: options.actor } : {}) },
      }],
    });
  }, { command: null, clock: options.clock, start: 'assume-new' });
  if (!result.ok) {
    if (isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
    throw new Error('the inbound decider refuses nothing');
  }
  return { ...result.value.answer, position: result.value.position! } as InboundOutcome;
}

type Decided = { outcome: 'accepted'; receipt: number } | { outcome: 'duplicate'; payloadMatches: boolean };

const inboundFold = countingEvents({ initialState: initialInboundState, evolve: evolveInbound });
