import amqp from 'amqplib';

/** Messages waiting in the dead-letter queue, or null when it cannot be read (no such queue, no broker). */
export async function deadLetterCount(url: string, queue: string): Promise<number | null> {
  let connection: Awaited<ReturnType<typeof amqp.connect>> | null = null;
  try {
    connection = await amqp.connect(url, { clientProperties: { connection_name: 'clinic-notification-ledger:demo-reader' } });
    connection.on('error', () => undefined);
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const { messageCount } = await channel.checkQueue(queue);
    return messageCount;
  } catch {
    return null;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}
