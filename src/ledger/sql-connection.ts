import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient } from 'kysely';
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
  /**
   * What an append's own statement passes to `pg_notify` to wake other processes when it commits,
   * with no statement of its own; null where no other process can read the database (PGlite).
   */
  notice: { channel: string; payload: string } | null;
  /**
   * The ledger grew: wakes this process's subscribers, and other processes' with a NOTIFY of its own
   * unless the append's statement carried `notice` (`notified`).
   */
  poke(options?: { notified?: boolean }): void;
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

/** How long PostgreSQL may keep us waiting; the configuration's PG_* variables. */
export interface PostgresTimeouts {
  /** Opening a connection, or waiting for a free one in the pool. */
  connectMs: number;
  /** A query with no answer by then fails, and its connection is dropped: it may never answer. */
  queryMs: number;
  /** Idle time before TCP keep-alive probes start, so a vanished server is noticed on idle connections too. */
  keepAliveDelayMs: number;
}

/** The configuration's defaults, for tools and tests that connect without it. */
export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = { connectMs: 10_000, queryMs: 30_000, keepAliveDelayMs: 10_000 };

export type PostgresClientRole = 'ledger' | 'read-models' | 'listen';

export interface PostgresConnectOptions {
  poolSize?: number;
  readModelPoolSize?: number;
  applicationName?: string;
  timeouts?: Partial<PostgresTimeouts>;
  /**
   * Told of every error a connection reports by itself (a reset, a server shutting down), whether
   * it sits idle, is checked out or listens. The call it interrupted fails on its own; this is for the log.
   */
  onConnectionError?: (error: Error, role: PostgresClientRole) => void;
}

export function connectPostgres(url: string, options: PostgresConnectOptions = {}): SqlConnection {
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts };
  const onConnectionError = options.onConnectionError ?? (() => undefined);
  const clientTimeouts = {
    connectionTimeoutMillis: timeouts.connectMs,
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: timeouts.keepAliveDelayMs,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    application_name: options.applicationName ?? 'clinic-notification-ledger',
    options: NO_JIT,
    ...clientTimeouts,
  });
  guardClients(pool, (error) => onConnectionError(error, 'ledger'));
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: droppingUnansweredClients(pool) }) });
  const readModelPool = new pg.Pool({
    connectionString: url,
    max: options.readModelPoolSize ?? 10,
    application_name: `${options.applicationName ?? 'clinic-notification-ledger'}:read-models`,
    options: `-c synchronous_commit=off ${NO_JIT}`,
    ...clientTimeouts,
  });
  guardClients(readModelPool, (error) => onConnectionError(error, 'read-models'));
  const readModels = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: droppingUnansweredClients(readModelPool) }) });
  const wake = new EventEmitter();
  wake.setMaxListeners(0);

  // Names this connection's notifications, so its listener can tell them from everyone else's.
  const instance = randomUUID();
  let listener: pg.Client | null = null;
  let closed = false;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const listen = async () => {
    const client = new pg.Client({ connectionString: url, application_name: `${options.applicationName ?? 'clinic-notification-ledger'}:listen`, ...clientTimeouts });
    // Our own appends poked our subscribers already; only someone else's wake them from here.
    client.on('notification', (message) => {
      if (message.payload !== instance) wake.emit('poke');
    });
    // A lost connection ends the client, and 'end' listens again.
    client.on('error', (error) => onConnectionError(error, 'listen'));
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
    notice: { channel: CHANNEL, payload: instance },
    poke(options) {
      wake.emit('poke');
      if (!closed && !options?.notified) notify();
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

/**
 * pg's Client emits 'error' when its socket fails, even with a query active, and the pool listens
 * only while the client sits idle: a reset on a checked-out client would be an unhandled 'error'
 * and end the process. Every client gets a listener of its own from the start; the query it
 * interrupted fails on its own, and the pool drops the client when it comes back.
 */
function guardClients(pool: pg.Pool, report: (error: Error) => void): void {
  pool.on('connect', (client) => {
    client.on('error', report);
  });
  // Reported by the client's own listener above; the pool repeats it for idle clients.
  pool.on('error', () => undefined);
}

/**
 * A query that timed out on our side leaves pg's client waiting for its answer, and every later
 * query on that client queues behind it: released as healthy, it would fail each borrower in turn
 * for as long as the server stays silent. A client whose query failed without an answer from the
 * server (a timeout, a lost connection) is therefore dropped, and refuses the rest of its checkout
 * (a rollback, for one) at once instead of waiting out another timeout.
 */
function droppingUnansweredClients(pool: pg.Pool): PostgresPool {
  return {
    options: pool.options,
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      let lost: Error | null = null;
      const query = async (text: string, parameters: readonly unknown[]) => {
        if (lost) throw new Error(`the connection was dropped after a failed call: ${lost.message}`, { cause: lost });
        try {
          return await client.query(text, [...parameters]);
        } catch (error) {
          // A server's error (a constraint, a conflict) comes over a connection that still works.
          if (!(error instanceof pg.DatabaseError)) lost = error instanceof Error ? error : new Error(String(error));
          throw error;
        }
      };
      return {
        // Cursors are not configured on the dialect, so kysely only ever calls the (text, parameters) form.
        query: query as unknown as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy === true || lost !== null),
      };
    },
    end: () => pool.end(),
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
    notice: null,
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
