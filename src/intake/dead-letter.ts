import type { ConsumeMessage, Options } from 'amqplib';
import type { DeadLetterKind } from './intake-metrics.ts';

export const REJECTION_REASON_HEADER = 'x-rejection-reason';
export const REJECTION_KIND_HEADER = 'x-rejection-kind';
export const ORIGINAL_EXCHANGE_HEADER = 'x-original-exchange';
export const ORIGINAL_ROUTING_KEY_HEADER = 'x-original-routing-key';
export const ORIGINAL_HEADERS_DROPPED_HEADER = 'x-original-headers-dropped';

/**
 * `unprocessable: <error class>`: the class of what was thrown and nothing else. Its message may
 * quote a value from the body, and a stack says nothing an operator can act on from the queue.
 */
export function unprocessableReason(error: unknown): string {
  const className = error instanceof Error ? error.constructor.name || error.name : typeof error;
  return `unprocessable: ${className.replace(/[^A-Za-z0-9_$.-]/g, '').slice(0, 100) || 'Error'}`;
}

/**
 * The original message's properties for its copy on the dead-letter exchange, plus the reason.
 * Without the original headers when they cannot be sent again (too large, or of a type the client
 * cannot write): the message must still reach the dead-letter queue, or it would come back forever.
 * Dropped: `expiration` (a dead letter must wait for a person, not expire) and `userId` (the broker
 * refuses a user id other than the publishing connection's, which would close our channel).
 */
export function deadLetterOptions(
  message: ConsumeMessage,
  kind: DeadLetterKind,
  reason: string,
  { withOriginalHeaders = true }: { withOriginalHeaders?: boolean } = {},
): Options.Publish {
  const p = message.properties;
  const options: Options.Publish = {
    persistent: true,
    headers: {
      ...(withOriginalHeaders ? (p.headers ?? {}) : { [ORIGINAL_HEADERS_DROPPED_HEADER]: 'the original headers could not be copied' }),
      [REJECTION_REASON_HEADER]: reason,
      [REJECTION_KIND_HEADER]: kind,
      [ORIGINAL_EXCHANGE_HEADER]: message.fields.exchange,
      [ORIGINAL_ROUTING_KEY_HEADER]: message.fields.routingKey,
    },
  };
  // Only what the publisher set: amqplib reads absent properties as undefined and would send them as such.
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
  const copied: Options.Publish = {
    contentType: text(p.contentType),
    contentEncoding: text(p.contentEncoding),
    priority: number(p.priority),
    correlationId: text(p.correlationId),
    replyTo: text(p.replyTo),
    messageId: text(p.messageId),
    timestamp: number(p.timestamp),
    type: text(p.type),
    appId: text(p.appId),
  };
  for (const [key, value] of Object.entries(copied)) {
    if (value !== undefined) Object.assign(options, { [key]: value });
  }
  return options;
}
