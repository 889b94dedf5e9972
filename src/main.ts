import { ConfigError, loadConfig } from './config.ts';
import { startService } from './service.ts';
import { createLogger } from './telemetry/logger.ts';

// Wiring from configuration, and the process's lifecycle; nothing else.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadConfig();
  const service = await startService(config, { logger });
  const print = (line = '') => process.stdout.write(`${line}\n`);
  print();
  print(`Clinic notification ledger listening on ${service.url.origin}`);
  print(`  GraphQL    ${service.url.origin}/graphql`);
  print(`  Events     POST ${service.url.origin}/events`);
  print(`  Dashboard  ${service.url.origin}/`);
  print(`  Ledger     ${config.KURRENTDB_URL ? 'KurrentDB' : service.embedded ? `embedded PGlite in ${config.DATA_DIR} (set DATABASE_URL for PostgreSQL, KURRENTDB_URL for KurrentDB)` : 'PostgreSQL (DATABASE_URL)'}`);
  print(`  Intake     ${config.AMQP_URL ? `AMQP queue ${config.AMQP_QUEUE} on exchange ${config.AMQP_EXCHANGE}` : 'HTTP and GraphQL only (set AMQP_URL to consume from RabbitMQ)'}`);
  print(`  Channels   ${service.sandboxed.length ? `sandbox (nothing is sent): ${service.sandboxed.join(', ')}` : 'all live'}`);
  if (service.generatedTokens) {
    print();
    print(`API tokens made for this data folder (kept in ${service.generatedTokens.path}):`);
    for (const t of service.generatedTokens.tokens) print(`  ${t.role.padEnd(9)} ${t.token}`);
  } else if (service.embedded && !config.API_TOKENS) {
    print(`  Tokens     in ${config.DATA_DIR}/api-tokens.json`);
  }
  print();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
