import type { Clock } from '../domain/clock.ts';
import type { Envelope } from '../domain/envelope.ts';
import { deterministicUuid } from '../domain/ids.ts';
import {
  DUPLICATE_IGNORED,
  INBOUND_RECEIVED,
  decideInbound,
  evolveInbound,
  initialInboundState,
  type IntakeVia,
} from '../domain/inbound-receipt.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type LedgerPosition } from './event-store.ts';

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
}

/**
 * Records an upstream event in `inbound-<eventId>`, or notes it as a duplicate. Race-safe: every
 * append is at the revision just read, so two instances receiving the same event record it once.
 * Resolves only when the append is durable.
 */
export async function recordInbound(store: EventStore, envelope: Envelope, options: RecordInboundOptions): Promise<InboundOutcome> {
  const stream = streamName.inbound(envelope.eventId);
  const windowMs = options.windowMs ?? DEFAULT_DEDUP_WINDOW_MS;
  for (let attempt = 0; ; attempt++) {
    // Most events arrive once, so the first attempt assumes a new stream and skips the read: a stream
    // that exists answers with a conflict (nothing written), and the next attempt reads it.
    const history = attempt === 0 ? [] : await readStreamToArray(store, stream);
    const state = history.reduce(evolveInbound, initialInboundState);
    const decision = decideInbound(state, envelope, options.clock.now(), windowMs, options.via);
    const revision = BigInt(history.length - 1);
    const type = decision.kind === 'accept' ? INBOUND_RECEIVED : DUPLICATE_IGNORED;
    const result = await store.append(
      stream,
      [{
        id: deterministicUuid('inbound', envelope.eventId, history.length),
        type,
        data: decision.event,
        metadata: { correlationId: envelope.eventId, occurredAt: envelope.occurredAt, ...(options.actor ? { actor: options.actor } : {}) },
      }],
      history.length === 0 ? 'no-stream' : revision,
    );
    if (result.ok) {
      return decision.kind === 'accept'
        ? { outcome: 'accepted', position: result.position, receipt: state.receipts + 1 }
        : { outcome: 'duplicate', position: result.position, payloadMatches: decision.event.payloadMatches };
    }
    // Someone else wrote first: read again and decide again.
    if (attempt >= 20) throw result.error;
  }
}
