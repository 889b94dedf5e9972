import { ConfigError, loadConfig } from './config.ts';
import { DataDirLocked } from './ledger/data-dir-lock.ts';
import { startService } from './service.ts';
import { startupBanner } from './startup-banner.ts';
import { createLogger } from './telemetry/logger.ts';

// Wiring from configuration, and the process's lifecycle; nothing else.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadConfig();
  // Listen before starting: /readyz answers while the last parts (the AMQP consumer) still start,
  // and a process manager may signal as soon as it does. Unheard, that SIGTERM would kill the
  // process with nothing stopped; heard, it stops the service once the start has finished.
  // Later signals change nothing: the stop under way finishes and the process exits 0.
  let signalled = (_signal: NodeJS.Signals) => {};
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => (signalled = resolve));
  let isStopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (isStopping) return;
    isStopping = true;
    logger.info({ signal }, 'stopping');
    signalled(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const service = await startService(config, { logger });
  if (!isStopping) process.stdout.write(`${startupBanner(config, service).join('\n')}\n`);
  await stopSignal;
  service.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'stopped with an error');
      process.exit(1);
    },
  );
}

main().catch((error: unknown) => {
  // Mistakes an operator can fix get a plain message, not a stack trace.
  if (error instanceof ConfigError || error instanceof DataDirLocked) process.stderr.write(`${error.message}\n`);
  else logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
