import { createHash } from 'node:crypto';
import { deterministicUuid } from '../ids.ts';
import type { IntakeVia } from './inbound-receipt.ts';

export const EVENT_DEAD_LETTERED = 'EventDeadLettered';

/**
 * A message the intake refused and sent to the dead-letter queue. It carries no personal data: the
 * body stays in the dead-letter queue, and only its size and hash are kept here, so an operator can
 * match a ledger record to a queued message and a replay to what was refused.
 */
export interface EventDeadLettered {
  /** The `x-rejection-reason` it was dead-lettered with: the field paths and rules, never values. */
  reason: string;
  /** The dead-letter kind (`invalid-payload`, `over-limit`, `unprocessable`, ...), as in the metrics. */
  kind: string;
  routingKey: string;
  /** The publisher's message id, when it gave one. */
  messageId: string | null;
  sizeBytes: number;
  /** sha256 of the body as received, hex. */
  bodySha256: string;
  receivedAt: string;
  via: IntakeVia;
}

export interface DeadLetteredMessage {
  body: Uint8Array;
  routingKey: string;
  messageId: string | null;
  kind: string;
  reason: string;
  via: IntakeVia;
}

/**
 * The record's id, from the body's hash, the routing key and the message id: a redelivery of the
 * same message (a crash after the dead letter, before its ack) lands on the same stream, and the
 * second append finds it written.
 */
export function deadLetterId(message: Pick<DeadLetteredMessage, 'routingKey' | 'messageId'>, bodySha256: string): string {
  return deterministicUuid('dead-letter', bodySha256, message.routingKey, message.messageId ?? '');
}

export function deadLetteredEvent(message: DeadLetteredMessage, now: Date): { id: string; event: EventDeadLettered } {
  const bodySha256 = createHash('sha256').update(message.body).digest('hex');
  return {
    id: deadLetterId(message, bodySha256),
    event: {
      reason: message.reason,
      kind: message.kind,
      routingKey: message.routingKey,
      messageId: message.messageId,
      sizeBytes: message.body.byteLength,
      bodySha256,
      receivedAt: now.toISOString(),
      via: message.via,
    },
  };
}
