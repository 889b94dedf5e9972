import { describeRejection, parseEnvelopeBytes, type Envelope, type EnvelopeRejection } from '../domain/intake/envelope.ts';
import { err, type Result } from '../domain/result.ts';

/**
 * Decides what one AMQP delivery is: an envelope to record, or a rejection to dead-letter. The
 * routing key must equal the type, so a binding can never route an event to where it does not belong.
 */
export function classifyDelivery(body: Uint8Array, routingKey: string): Result<Envelope, EnvelopeRejection> {
  const parsed = parseEnvelopeBytes(body);
  if (!parsed.ok) return parsed;
  if (parsed.value.type !== routingKey) {
    return err({
      kind: 'routing-key-mismatch',
      issues: [{ path: 'type', message: 'does not match the routing key' }],
    });
  }
  return parsed;
}

/** Issues beyond this are counted, not listed: a header table has a hard size limit. */
const MAX_LISTED_ISSUES = 10;
const MAX_REASON_CHARS = 2000;

/** The `x-rejection-reason` header: kind, field paths and rules, never the values. */
export function rejectionReason(rejection: EnvelopeRejection): string {
  const listed = rejection.issues.slice(0, MAX_LISTED_ISSUES);
  const more = rejection.issues.length - listed.length;
  const text = describeRejection({ ...rejection, issues: listed }) + (more > 0 ? `; and ${more} more` : '');
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}
