import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { describeRejection, parseEnvelope } from '../domain/intake/envelope.ts';
import { AmqpPublisher, DEFAULT_AMQP_URL, type RoutableEnvelope } from './amqp-publisher.ts';
import { Routable, parseEnvelopeInput } from './envelope-input.ts';
import { DEFAULT_TOPOLOGY } from './topology.ts';
import { runCli } from '../run-cli.ts';

const USAGE = `Usage: npm run publish -- [--exchange NAME] [--raw] <file.json | ->

Publishes envelopes (a JSON array, one JSON object, or JSON lines) to the intake exchange at
AMQP_URL (default ${DEFAULT_AMQP_URL}) and reports how many the broker confirmed.
Envelopes that fail validation are not sent unless --raw is given (to try the dead-letter path).`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      exchange: { type: 'string', default: DEFAULT_TOPOLOGY.exchange },
      raw: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const source = positionals[0];
  if (values.help || source === undefined || positionals.length > 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }

  const input = parseEnvelopeInput(source === '-' ? await text(process.stdin) : await readFile(source, 'utf8'));
  if (!input.ok) {
    console.error(`Cannot read the envelopes: ${input.error}`);
    return 2;
  }

  const sendable: RoutableEnvelope[] = [];
  let refused = 0;
  for (const [index, item] of input.value.entries()) {
    const routable = Routable.safeParse(item);
    const problem = !routable.success ? 'needs a string eventId and type to be routed' : values.raw ? null : validationProblem(item);
    if (routable.success && problem === null) sendable.push(routable.data);
    else {
      refused++;
      console.error(`envelope ${index + 1}: not sent: ${problem}`);
    }
  }

  const publisher = await AmqpPublisher.open({ url: process.env.AMQP_URL ?? DEFAULT_AMQP_URL, exchange: values.exchange });
  try {
    const report = await publisher.publishEnvelopes(sendable);
    console.log(
      `published ${report.published}, confirmed ${report.confirmed}, nacked ${report.nacked}, ` +
        `unroutable ${report.unroutable}, not sent ${refused}`,
    );
    return report.nacked === 0 && report.unroutable === 0 && refused === 0 ? 0 : 1;
  } finally {
    await publisher.close();
  }
}

function validationProblem(item: unknown): string | null {
  const parsed = parseEnvelope(item);
  return parsed.ok ? null : describeRejection(parsed.error);
}

runCli(() => main(process.argv.slice(2)));
