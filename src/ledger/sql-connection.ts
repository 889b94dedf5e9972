import { randomUUID } from 'node:crypto';
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
  /** Durable commits: the ledger, and whatever must survive a crash as written. */
  db: Kysely<unknown>;
  /**
   * Asynchronous commits, for read models, checkpoints and dispatch leases: all can be rebuilt
   * from the ledger, and a crash loses at most the last few milliseconds of them (a suffix, never
   * a hole), which the next run applies again. On PGlite, the same as `db`.
   */
  readModels: Kysely<unknown>;
  kind: 'postgres' | 'pglite';
  /**
   * Runs one statement outside the query builder, as a named prepared statement where the
   * database keeps them: for the ledger's hot path, where parsing and building cost more than
   * the statement itself.
   */
  run<Row>(statement: PreparedStatement): Promise<Row[]>;
  poke(): void;
  onPoke(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface PreparedStatement {
  /** Unique per statement text: each pooled connection prepares it once under this name. */
  name: string;
  text: string;
  values: unknown[];
}

const CHANNEL = 'ledger_appended';
// A NOTIFY commits a transaction of its own (it needs a transaction id), as costly as an append.
// Under load one per this gap wakes other processes soon enough and costs next to nothing.
const NOTIFY_GAP_MS = 10;

// Every statement here is short; compiling one (10-15 ms) costs more than it could save, and cost
// estimates run high enough to trigger it wherever statistics are missing or stale.
const NO_JIT = '-c jit=off';

export function connectPostgres(url: string, options: { poolSize?: number; readModelPoolSize?: number; applicationName?: string } = {}): SqlConnection {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    application_name: options.applicationName ?? 'clinic-notification-ledger',
    options: NO_JIT,
  });
  // An idle client losing its server must not take the process down; the next query reconnects.
  pool.on('error', () => undefined);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  const readModelPool = new pg.Pool({
    connectionString: url,
    max: options.readModelPoolSize ?? 10,
    application_name: `${options.applicationName ?? 'clinic-notification-ledger'}:read-models`,
    options: `-c synchronous_commit=off ${NO_JIT}`,
  });
  readModelPool.on('error', () => undefined);
  const readModels = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: readModelPool }) });
  const wake = new EventEmitter();
  wake.setMaxListeners(0);

  // Names this connection's notifications, so its listener can tell them from everyone else's.
  const instance = randomUUID();
  let listener: pg.Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const listen = async () => {
    const client = new pg.Client({ connectionString: url, application_name: `${options.applicationName ?? 'clinic-notification-ledger'}:listen` });
    // Our own appends poked our subscribers already; only someone else's wake them from here.
    client.on('notification', (message) => {
      if (message.payload !== instance) wake.emit('poke');
    });
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

  // The first append after a quiet spell notifies at once; during a burst, at most one NOTIFY is
  // in flight and the next follows NOTIFY_GAP_MS after it, so a burst costs a few, not one each.
  let notifying = false;
  let pending = false;
  let gapTimer: NodeJS.Timeout | undefined;
  const notify = () => {
    if (notifying || gapTimer) {
      pending = true;
      return;
    }
    notifying = true;
    pending = false;
    // On the asynchronous-commit pool: a NOTIFY's transaction then holds back no reader for an fsync.
    readModelPool.query('select pg_notify($1, $2)', [CHANNEL, instance]).catch(() => undefined).finally(() => {
      notifying = false;
      if (!pending || closed) return;
      gapTimer = setTimeout(() => {
        gapTimer = undefined;
        if (!closed) notify();
      }, NOTIFY_GAP_MS);
    });
  };

  return {
    db,
    readModels,
    kind: 'postgres',
    async run<Row>(statement: PreparedStatement) {
      return (await pool.query<Row & pg.QueryResultRow>({ name: statement.name, text: statement.text, values: statement.values })).rows;
    },
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
      clearTimeout(gapTimer);
      await listener?.end().catch(() => undefined);
      await readModels.destroy();
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
    readModels: db,
    kind: 'pglite',
    // PGlite runs in this process: there is no round trip for a prepared statement to save.
    run: async <Row>(statement: PreparedStatement) => (await pglite.query<Row>(statement.text, statement.values)).rows,
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
