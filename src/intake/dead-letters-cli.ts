import { parseArgs } from 'node:util';
import amqp from 'amqplib';
import { loadToolConfig } from '../config.ts';
import { DEFAULT_AMQP_URL } from './amqp-publisher.ts';
import { replayDeadLetters } from './replay-dead-letters.ts';
import { runCli } from '../run-cli.ts';

const USAGE = `Usage: npm run dead-letters -- replay [--limit N]

Moves messages from the dead-letter queue (AMQP_DEAD_LETTER_QUEUE) back to the intake exchange
(AMQP_EXCHANGE) with their original routing key, one at a time, each acked only after the broker
confirmed its copy. Run it after the fix that makes them acceptable is deployed: a message still
refused returns to the dead-letter queue with a new reason.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { limit: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (values.help || positionals.length !== 1 || positionals[0] !== 'replay' || (limit !== undefined && !(Number.isInteger(limit) && limit > 0))) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadToolConfig();
  const connection = await amqp.connect(config.AMQP_URL ?? DEFAULT_AMQP_URL, {
    clientProperties: { connection_name: 'clinic-notification-ledger:dead-letters' },
  });
  try {
    const channel = await connection.createConfirmChannel();
    const { replayed } = await replayDeadLetters(channel, {
      deadLetterQueue: config.AMQP_DEAD_LETTER_QUEUE,
      exchange: config.AMQP_EXCHANGE,
      limit,
    });
    const left = (await channel.checkQueue(config.AMQP_DEAD_LETTER_QUEUE)).messageCount;
    console.log(`replayed ${replayed} to ${config.AMQP_EXCHANGE}; ${left} left in ${config.AMQP_DEAD_LETTER_QUEUE}`);
    return 0;
  } finally {
    await connection.close();
  }
}

runCli(() => main(process.argv.slice(2)));
