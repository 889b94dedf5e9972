import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { TEST_AMQP_URL } from './env.ts';

/** Exchange and queue names of one test file's own, so files share the broker without meeting. */
export function uniqueAmqpNames(label: string): Record<string, string> {
  const suffix = `${label}.${randomUUID().slice(0, 8)}`;
  return {
    AMQP_EXCHANGE: `test.${suffix}.events`,
    AMQP_QUEUE: `test.${suffix}.notifications`,
    AMQP_DEAD_LETTER_EXCHANGE: `test.${suffix}.dlx`,
    AMQP_DEAD_LETTER_QUEUE: `test.${suffix}.dead`,
  };
}

/** Removes the queues and exchanges a test file's service declared under `uniqueAmqpNames`. */
export async function deleteAmqpNames(names: Record<string, string>): Promise<void> {
  const connection = await amqp.connect(TEST_AMQP_URL);
  try {
    const channel = await connection.createChannel();
    for (const queue of [names.AMQP_QUEUE!, names.AMQP_DEAD_LETTER_QUEUE!]) await channel.deleteQueue(queue);
    for (const exchange of [names.AMQP_EXCHANGE!, names.AMQP_DEAD_LETTER_EXCHANGE!]) await channel.deleteExchange(exchange);
  } finally {
    await connection.close();
  }
}

/** Removes a declared intake topology (both queues, both exchanges); what is already gone is passed over. */
export async function deleteTopology(
  channel: Pick<amqp.Channel, 'deleteQueue' | 'deleteExchange'>,
  topology: { queue: string; deadLetterQueue: string; exchange: string; deadLetterExchange: string },
): Promise<void> {
  for (const queue of [topology.queue, topology.deadLetterQueue]) await channel.deleteQueue(queue).catch(() => undefined);
  for (const exchange of [topology.exchange, topology.deadLetterExchange]) await channel.deleteExchange(exchange).catch(() => undefined);
}
