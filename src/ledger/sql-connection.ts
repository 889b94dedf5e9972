import { EventEmitter } from 'node:events';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

/**
 * One PostgreSQL database (a server, or embedded PGlite) shared by the ledger and the read models,
 * plus a wake-up signal when the ledger grows. Appenders call `poke()` after a commit; subscribers
 * in this process hear it at once, those in other processes through LISTEN/NOTIFY.
 */
export interface SqlConnection {
  // Read models and the ledger each type their own view of the database.
  db: Kysely<unknown>;
  kind: 'postgres' | 'pglite';
  poke(): void;
  onPoke(listener: () => void): () => void;
  close(): Promise<void>;
}

const CHANNEL = 'ledger_appended';

export function connectPostgres(url: string, options: { poolSize?: number; applicationName?: string } = {}): SqlConnection {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    application_name: options.applicationName ?? 'clinic-notification-ledger',
  });
  // An idle client losing its server must not take the process down; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const wake = new EventEmitter();
  wake.setMaxListeners(0);

  let listener: pg.Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const listen = async () => {
    const client = new pg.Client({ connectionString: url, application_name: `${options.applicationName ?? 'clinic-notification-ledger'}:listen` });
    client.on('notification', () => wake.emit('poke'));
    client.on('error', () => undefined);
    client.on('end', () => {
      listener = null;
      if (!closed) reconnectTimer = setTimeout(() => void listen().catch(() => undefined), 1000);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      if (closed) await client.end();
      else {
        listener = client;
        // Events appended while we were not listening are found by the next read.
        wake.emit('poke');
      }
    } catch {
      await client.end().catch(() => undefined);
    }
  };
  void listen();

  // At most one NOTIFY in flight per process: a burst of appends costs one or two, not one each.
  let notifying = false;
  let pending = false;
  const notify = () => {
    if (notifying) {
      pending = true;
      return;
    }
    notifying = true;
    pending = false;
    pool.query(`select pg_notify('${CHANNEL}', '')`).catch(() => undefined).finally(() => {
      notifying = false;
      if (pending && !closed) notify();
    });
  };

  return {
    db,
    kind: 'postgres',
    poke() {
      wake.emit('poke');
      if (!closed) notify();
    },
    onPoke(fn) {
      wake.on('poke', fn);
      return () => wake.off('poke', fn);
    },
    async close() {
      closed = true;
      clearTimeout(reconnectTimer);
      await listener?.end().catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Embedded PostgreSQL in a folder (or in memory with no folder). Only this process may open it. */
export async function connectPglite(dataDir?: string): Promise<SqlConnection> {
  const pglite = await PGlite.create(dataDir);
  const db = new Kysely<unknown>({ dialect: new PGliteDialect({ pglite }) });
  const wake = new EventEmitter();
  wake.setMaxListeners(0);
  await sql`select 1`.execute(db);
  return {
    db,
    kind: 'pglite',
    poke: () => wake.emit('poke'),
    onPoke(fn) {
      wake.on('poke', fn);
      return () => wake.off('poke', fn);
    },
    async close() {
      await db.destroy();
    },
  };
}
