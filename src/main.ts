import { ConfigError, loadConfig } from './config.ts';
import { DataDirLocked } from './ledger/data-dir-lock.ts';
import { startService } from './service.ts';
import { startupBanner } from './startup-banner.ts';
import { createLogger } from './telemetry/logger.ts';

// Wiring from configuration, and the process's lifecycle; nothing else.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadConfig();
  const service = await startService(config, { logger });
  process.stdout.write(`${startupBanner(config, service).join('\n')}\n`);

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
  // Mistakes an operator can fix get a plain message, not a stack trace.
  if (error instanceof ConfigError || error instanceof DataDirLocked) process.stderr.write(`${error.message}\n`);
  else logger.fatal({ err: error }, 'the service could not start');
  process.exit(1);
});
