import { once } from 'node:events';
import amqp, { type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import { DEFAULT_TOPOLOGY } from './topology.ts';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';

export interface AmqpPublisherOptions {
  url?: string;
  /** The topic exchange upstream events go to; declared (durable, topic) unless `declareExchange` is false. */
  exchange?: string;
  declareExchange?: boolean;
  connectionName?: string;
}

/** What the broker answered for a batch. `unroutable`: confirmed, but no queue was bound to take it. */
export interface PublishReport {
  published: number;
  confirmed: number;
  nacked: number;
  unroutable: number;
}

/** The least an envelope needs to be routed: the rest is the consumer's to judge. */
export interface RoutableEnvelope {
  eventId: string;
  type: string;
}

export interface RawMessage {
  routingKey: string;
  body: Buffer | string;
  properties?: Options.Publish;
}

/**
 * Publishes envelopes the way upstream systems must: routing key = type, persistent, JSON,
 * messageId = eventId, on a confirm channel. For tests, benchmarks and the publish command.
 */
export class AmqpPublisher {
  readonly #connection: ChannelModel;
  readonly #channel: ConfirmChannel;
  readonly #exchange: string;
  /** Returned (unroutable) messages by messageId, claimed by the batch that published them. */
  readonly #returned = new Map<string, number>();

  private constructor(connection: ChannelModel, channel: ConfirmChannel, exchange: string) {
    this.#connection = connection;
    this.#channel = channel;
    this.#exchange = exchange;
    channel.on('return', (message: { properties: { messageId?: unknown } }) => {
      const id = typeof message.properties.messageId === 'string' ? message.properties.messageId : '';
      this.#returned.set(id, (this.#returned.get(id) ?? 0) + 1);
    });
  }

  static async open(options: AmqpPublisherOptions = {}): Promise<AmqpPublisher> {
    const connection = await amqp.connect(options.url ?? DEFAULT_AMQP_URL, {
      clientProperties: { connection_name: options.connectionName ?? 'clinic-notification-ledger:publisher' },
    });
    connection.on('error', () => undefined);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      const exchange = options.exchange ?? DEFAULT_TOPOLOGY.exchange;
      if (options.declareExchange ?? true) await channel.assertExchange(exchange, 'topic', { durable: true });
      return new AmqpPublisher(connection, channel, exchange);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
  }

  /** Publishes each envelope as JSON and waits for every confirm. */
  publishEnvelopes(envelopes: Iterable<RoutableEnvelope>): Promise<PublishReport> {
    return this.publishRaw(
      (function* () {
        for (const envelope of envelopes) {
          yield {
            routingKey: envelope.type,
            body: JSON.stringify(envelope),
            properties: { messageId: envelope.eventId },
          };
        }
      })(),
    );
  }

  /** Publishes bodies as given (tests use it for malformed messages); persistent JSON unless overridden. */
  async publishRaw(messages: Iterable<RawMessage>): Promise<PublishReport> {
    const confirms: Promise<boolean>[] = [];
    const messageIds: string[] = [];
    for (const message of messages) {
      const properties: Options.Publish = {
        persistent: true,
        contentType: 'application/json',
        mandatory: true,
        ...message.properties,
      };
      messageIds.push(properties.messageId ?? '');
      const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
      let hasRoom = true;
      confirms.push(
        new Promise<boolean>((resolve) => {
          try {
            hasRoom = this.#channel.publish(this.#exchange, message.routingKey, body, properties, (error: unknown) => resolve(!error));
          } catch {
            resolve(false);
          }
        }),
      );
      // The socket buffer is full: let it drain rather than queue everything in memory.
      if (!hasRoom) await this.#drained();
    }
    const outcomes = await Promise.all(confirms);
    const confirmed = outcomes.filter(Boolean).length;
    return { published: outcomes.length, confirmed, nacked: outcomes.length - confirmed, unroutable: this.#claimReturned(messageIds) };
  }

  async close(): Promise<void> {
    await this.#connection.close().catch(() => undefined);
  }

  /** Resolves when the channel can take more, or is gone (its pending confirms then fail). */
  async #drained(): Promise<void> {
    const stop = new AbortController();
    await Promise.race([once(this.#channel, 'drain', { signal: stop.signal }), once(this.#channel, 'close', { signal: stop.signal })]).catch(
      () => undefined,
    );
    stop.abort();
  }

  #claimReturned(messageIds: readonly string[]): number {
    let claimed = 0;
    for (const id of messageIds) {
      const left = this.#returned.get(id) ?? 0;
      if (left === 0) continue;
      claimed++;
      if (left === 1) this.#returned.delete(id);
      else this.#returned.set(id, left - 1);
    }
    return claimed;
  }
}
