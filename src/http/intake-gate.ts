import type { Envelope } from '../domain/envelope.ts';
import type { IntakeVia } from '../domain/inbound-receipt.ts';
import type { InboundOutcome } from '../ledger/record-inbound.ts';

/** The one path every inbound event takes into the ledger, whichever door it came through. */
export interface IntakeGate {
  record(envelope: Envelope, via: IntakeVia): Promise<InboundOutcome>;
}
