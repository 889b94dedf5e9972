import type { ConfirmChannel, GetMessage, Options } from 'amqplib';
import { ORIGINAL_ROUTING_KEY_HEADER } from './dead-letter.ts';

export interface ReplayOptions {
  deadLetterQueue: string;
  /** The intake exchange: a replayed message is routed again as upstream published it. */
  exchange: string;
  /** At most this many; all that are queued when absent. */
  limit?: number;
}

/**
 * Headers that describe a refusal rather than the message: the consumer's reason, the broker's
 * x-death bookkeeping. A replayed message goes back as its publisher sent it, so a second refusal
 * gets a reason of its own and a delivery limit counts afresh.
 */
const isRefusalHeader = (name: string): boolean =>
  name.startsWith('x-rejection-') || name.startsWith('x-original-') || name === 'x-death' || name.startsWith('x-first-death-') ||
  name.startsWith('x-last-death-') || name === 'x-delivery-count';

/**
 * Moves dead letters back to the intake exchange with their original routing key, one at a time:
 * each is acked on the dead-letter queue only after the broker confirmed its copy, so a crash
 * midway leaves every message in one queue or (briefly) both, never in neither.
 */
export async function replayDeadLetters(channel: ConfirmChannel, options: ReplayOptions): Promise<{ replayed: number }> {
  let replayed = 0;
  while (options.limit === undefined || replayed < options.limit) {
    const message = await channel.get(options.deadLetterQueue, { noAck: false });
    if (message === false) break;
    try {
      channel.publish(options.exchange, originalRoutingKey(message), message.content, replayProperties(message));
      await channel.waitForConfirms();
    } catch (error) {
      // Not confirmed: the dead letter stays where it was, for the next run.
      channel.nack(message, false, true);
      throw error;
    }
    channel.ack(message);
    replayed++;
  }
  return { replayed };
}

function originalRoutingKey(message: GetMessage): string {
  const header: unknown = message.properties.headers?.[ORIGINAL_ROUTING_KEY_HEADER];
  return typeof header === 'string' ? header : message.fields.routingKey;
}

function replayProperties(message: GetMessage): Options.Publish {
  const p = message.properties;
  const headers = Object.fromEntries(Object.entries(p.headers ?? {}).filter(([name]) => !isRefusalHeader(name)));
  const options: Options.Publish = { persistent: true, headers };
  const copied: Record<string, unknown> = {
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    correlationId: p.correlationId,
    messageId: p.messageId,
    timestamp: p.timestamp,
    type: p.type,
    appId: p.appId,
  };
  // Only what the publisher set: amqplib would send an absent property as undefined.
  for (const [key, value] of Object.entries(copied)) if (value !== undefined) Object.assign(options, { [key]: value });
  return options;
}
