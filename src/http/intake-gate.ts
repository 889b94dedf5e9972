import type { Envelope } from '../domain/intake/envelope.ts';
import type { IntakeVia } from '../domain/intake/inbound-receipt.ts';
import type { InboundOutcome } from '../commands/inbound/record-inbound.ts';

/** The one path every inbound event takes into the ledger, whichever door it came through. */
export interface IntakeGate {
  /** `actor`: the token name of a caller who published it by hand (HTTP, GraphQL), recorded in the metadata. */
  record(envelope: Envelope, via: IntakeVia, actor?: string): Promise<InboundOutcome>;
}
