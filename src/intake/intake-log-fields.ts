import type { ConsumeMessage } from 'amqplib';

/** What an intake log line may say about a message: identifiers, never the body. */
export function deliveryIds(message: ConsumeMessage): Record<string, unknown> {
  const messageId: unknown = message.properties.messageId;
  return {
    routingKey: message.fields.routingKey,
    ...(typeof messageId === 'string' ? { messageId } : {}),
    redelivered: message.fields.redelivered,
  };
}

export function errorSummary(error: unknown): Record<string, unknown> | undefined {
  if (error === undefined) return undefined;
  if (!(error instanceof Error)) return { message: String(error) };
  const code = 'code' in error ? error.code : undefined;
  // Not `name`: the logger redacts every field called name.
  return { type: error.name, message: error.message, ...(code !== undefined ? { code } : {}) };
}
