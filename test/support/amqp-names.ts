import { randomUUID } from 'node:crypto';

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
