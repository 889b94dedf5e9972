import { SingleBar } from 'cli-progress';
import type { ToolConfig } from './config.ts';
import { lockDataDir } from './ledger/data-dir-lock.ts';
import { connectPglite, connectPostgres, type SqlConnection } from './ledger/sql-connection.ts';
import { postgresTimeouts } from './service.ts';

/**
 * The ledger a command-line tool works on, with the service stopped: embedded PGlite in DATA_DIR
 * (its lock taken, so the service cannot start meanwhile) or PostgreSQL at DATABASE_URL.
 */
export async function openToolLedger(config: ToolConfig, applicationName: string): Promise<{ connection: SqlConnection; embedded: boolean; close(): Promise<void> }> {
  const embedded = !config.DATABASE_URL;
  const unlock = embedded ? await lockDataDir(config.DATA_DIR) : null;
  const connection = embedded
    ? await connectPglite(`${config.DATA_DIR}/pglite`)
    : connectPostgres(config.DATABASE_URL!, { timeouts: postgresTimeouts(config), applicationName });
  return {
    connection,
    embedded,
    async close() {
      await connection.close();
      await unlock?.();
    },
  };
}

/** A progress bar that appears with the first report (its total known then) and goes with `stop`. */
export function progressBar(label: string, unit: string): { onProgress(done: number, total: number): void; stop(): void } {
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta}s left`, hideCursor: true });
  let started = false;
  return {
    onProgress(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
