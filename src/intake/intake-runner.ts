import type { Logger } from '../telemetry/logger.ts';

export interface Lifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RunUntilSignalledOptions {
  logger: Logger;
  /** Closes what the consumer used (the ledger's pool), after it has stopped. */
  afterStop?: () => Promise<void>;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Starts `resource` and stops it gracefully on SIGTERM or SIGINT: in-flight messages finish and are
 * acked before the connection closes. A second signal exits at once; the broker requeues whatever
 * was unacked, and the ledger's dedup absorbs the redeliveries. Resolves once stopped.
 */
export async function runUntilSignalled(resource: Lifecycle, options: RunUntilSignalledOptions): Promise<void> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let resolveStopped!: (signal: NodeJS.Signals) => void;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    resolveStopped = resolve;
  });
  let received: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== null) {
      options.logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(130);
    }
    received = signal;
    resolveStopped(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await resource.start();
    options.logger.info('intake running');
    const signal = await stopped;
    options.logger.info({ signal }, 'stopping: finishing in-flight messages');
    await resource.stop();
    await options.afterStop?.();
    options.logger.info('stopped');
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}
