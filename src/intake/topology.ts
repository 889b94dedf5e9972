import type { Channel } from 'amqplib';

export type QueueType = 'classic' | 'quorum';

/** Where upstream events arrive and where refused ones go. Every name is configurable. */
export interface IntakeTopology {
  /** Topic exchange upstream systems publish to, routing key = event type. */
  exchange: string;
  /** The queue the consumer reads; bound with `#` so unknown routing keys reach us and get a reason. */
  queue: string;
  deadLetterExchange: string;
  deadLetterQueue: string;
  queueType: QueueType;
  /**
   * Quorum queues only: after this many deliveries the broker dead-letters a message itself (no
   * reason header), the fallback for a message that keeps killing the consumer before it can decide.
   * Requeues while the ledger is down count too, so keep it well above a few outages.
   */
  deliveryLimit: number;
}

export const DEFAULT_TOPOLOGY: IntakeTopology = Object.freeze({
  exchange: 'clinic.events',
  queue: 'notifications',
  deadLetterExchange: 'clinic.events.dlx',
  deadLetterQueue: 'notifications.dead',
  // Replicated, and the only queue type with a delivery limit, which the dead-letter fallback needs.
  queueType: 'quorum',
  deliveryLimit: 50,
});

export const resolveTopology = (overrides: Partial<IntakeTopology> = {}): IntakeTopology => ({ ...DEFAULT_TOPOLOGY, ...overrides });

/** The queue arguments both the consumer and anyone declaring a twin of the queue must use alike. */
export function queueArguments(topology: IntakeTopology): Record<string, unknown> {
  const args: Record<string, unknown> = {
    'x-queue-type': topology.queueType,
    'x-dead-letter-exchange': topology.deadLetterExchange,
  };
  if (topology.queueType === 'quorum') {
    args['x-delivery-limit'] = topology.deliveryLimit;
    // The broker's own dead-lettering must not drop a message either; at-least-once needs reject-publish.
    args['x-dead-letter-strategy'] = 'at-least-once';
    args['x-overflow'] = 'reject-publish';
  }
  return args;
}

/**
 * Declares the exchanges, queues and bindings; idempotent, so every start (and every reconnect)
 * runs it. A queue that exists with other arguments (another type, say) fails with
 * PRECONDITION_FAILED: the broker never changes a queue's arguments in place.
 */
export async function declareTopology(channel: Channel, topology: IntakeTopology): Promise<void> {
  await channel.assertExchange(topology.exchange, 'topic', { durable: true });
  await channel.assertExchange(topology.deadLetterExchange, 'topic', { durable: true });
  await channel.assertQueue(topology.deadLetterQueue, { durable: true, arguments: { 'x-queue-type': topology.queueType } });
  await channel.bindQueue(topology.deadLetterQueue, topology.deadLetterExchange, '#');
  await channel.assertQueue(topology.queue, { durable: true, arguments: queueArguments(topology) });
  await channel.bindQueue(topology.queue, topology.exchange, '#');
}
