import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import type { Logger } from '../telemetry/logger.ts';
import { mirrorIntakeMetrics } from './intake-metrics.ts';
import type { PostgresTimeouts } from '../ledger/sql-connection.ts';
import type { IntakeTopology } from './topology.ts';

/** What the intake's thread is started with: plain data, since nothing else crosses to a thread. */
export interface IntakeThreadData {
  amqpUrl: string;
  databaseUrl: string;
  timeouts: PostgresTimeouts;
  /** The master key in base64: the thread derives the ledger's keys from it as the service does. */
  masterKey: string;
  /** Personal data sealed at the append (the service's default), or in clear (benchmarks only). */
  sealed: boolean;
  topology: Partial<IntakeTopology>;
  prefetch: number;
  dedupWindowMs: number;
  recordTimeoutMs: number;
  ledgerBackoffMaxMs: number;
  connectionName: string;
  /** The service logger's level: the thread's lines come back to it (see `relog`). */
  logLevel: string;
}

export type ToIntakeThread = { kind: 'metrics'; id: number } | { kind: 'stop' };
export type FromIntakeThread =
  | { kind: 'started' }
  | { kind: 'failed'; error: string }
  | { kind: 'metrics'; id: number; metrics: MetricObjectWithValues<MetricValue<string>>[] }
  | { kind: 'log'; line: string }
  | { kind: 'stopped'; error?: string };

export class IntakeThreadFailed extends Error {
  override readonly name = 'IntakeThreadFailed';
}

/** A thread that ends by itself is started again after this long, and no sooner than this apart. */
const RESTART_DELAY_MS = 1000;

/**
 * The AMQP intake on a thread of its own, on PostgreSQL: it parses, validates, seals and appends
 * with its own event loop, so its cycle (read the deliveries, append, ack, let the broker send the
 * next) never waits for a turn of the loop the lanes keep busy. It is another recorder on the same
 * ledger, as a second instance would be: appends race-safe, the lanes woken by the append's NOTIFY,
 * erasures heard by its own key store. Its metrics answer from the service's registry and its log
 * lines come out through the service's logger, as the intake's did in the service's own thread.
 *
 * The thread runs the TypeScript sources through tsx's loader, registered in the thread before it
 * imports them, whatever started the service (tsx, node --import tsx, a test runner).
 */
export class IntakeThread {
  readonly #data: IntakeThreadData;
  readonly #entry: string;
  /** Where the thread's own lines are written again (they carry their component). */
  readonly #logger: Logger;
  readonly #ownLogger: Logger;
  #worker: Worker | null = null;
  #stopping = false;
  #nextId = 0;
  readonly #waiting = new Map<number, (metrics: MetricObjectWithValues<MetricValue<string>>[]) => void>();
  #restartTimer: NodeJS.Timeout | undefined;

  private constructor(data: IntakeThreadData, logger: Logger, entry: string) {
    this.#data = data;
    this.#entry = entry;
    this.#logger = logger;
    this.#ownLogger = logger.child({ component: 'intake-thread' });
  }

  /**
   * Resolves once the thread's consumer has started; rejects with why it could not. The intake's
   * metrics are read from the thread into `registry` whenever it is read.
   */
  static async start(
    data: Omit<IntakeThreadData, 'logLevel'>,
    options: { logger: Logger; registry: Registry; /** Tests only: another entry for the thread. */ entry?: URL },
  ): Promise<IntakeThread> {
    const thread = new IntakeThread({ ...data, logLevel: options.logger.level }, options.logger, options.entry?.href ?? WORKER_ENTRY);
    mirrorIntakeMetrics(options.registry, () => thread.#metrics());
    await thread.#spawn();
    return thread;
  }

  #spawn(): Promise<void> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...this.#data, loader: TSX_API, entry: this.#entry },
      // Its logger's lines come as messages (below); anything else it prints goes to the process's own streams.
      stdout: false,
      stderr: false,
    });
    this.#worker = worker;
    return new Promise((resolve, reject) => {
      let started = false;
      worker.on('message', (message: FromIntakeThread) => {
        switch (message.kind) {
          case 'started':
            started = true;
            resolve();
            return;
          case 'failed':
            reject(new IntakeThreadFailed(`the intake thread could not start: ${message.error}`));
            void worker.terminate();
            return;
          case 'metrics':
            this.#waiting.get(message.id)?.(message.metrics);
            this.#waiting.delete(message.id);
            return;
          case 'log':
            relog(this.#logger, message.line);
            return;
          case 'stopped':
            if (message.error) this.#ownLogger.error({ error: message.error }, 'the intake thread stopped with an error');
            return;
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else this.#ownLogger.error({ err: error }, 'the intake thread failed');
      });
      worker.on('exit', (code) => {
        if (this.#worker === worker) this.#worker = null;
        for (const answer of this.#waiting.values()) answer([]);
        this.#waiting.clear();
        if (!started) {
          reject(new IntakeThreadFailed(`the intake thread ended before it started (exit code ${code})`));
          return;
        }
        if (this.#stopping) return;
        // Its unacked messages went back to the queue with its connection; a new thread takes them.
        this.#ownLogger.error({ exitCode: code }, 'the intake thread ended by itself; starting it again');
        this.#restartTimer = setTimeout(() => this.#restart(), RESTART_DELAY_MS);
      });
    });
  }

  #restart(): void {
    if (this.#stopping) return;
    this.#spawn().catch((error: unknown) => {
      this.#ownLogger.error({ err: error }, 'the intake thread could not start again; trying again');
      if (!this.#stopping) this.#restartTimer = setTimeout(() => this.#restart(), RESTART_DELAY_MS);
    });
  }

  /** The thread's metrics; none while it is not running. */
  #metrics(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    const worker = this.#worker;
    if (!worker) return Promise.resolve([]);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, resolve);
      worker.postMessage({ kind: 'metrics', id } satisfies ToIntakeThread);
    });
  }

  /** Stops the consumer (its messages in flight are recorded and acked, or returned), then the thread. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.on('message', (message: FromIntakeThread) => {
        if (message.kind === 'stopped') void worker.terminate();
      });
      worker.postMessage({ kind: 'stop' } satisfies ToIntakeThread);
    });
  }
}

/** pino's own fields: the service's logger writes its own time, process and name. */
const PINO_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/** A line the thread's logger wrote, written again through the service's logger at its level. */
function relog(logger: Logger, line: string): void {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return;
  }
  const level = logger.levels.labels[Number(entry.level)] ?? 'info';
  const fields = Object.fromEntries(Object.entries(entry).filter(([key]) => !PINO_FIELDS.has(key)));
  (logger[level as 'info'] ?? logger.info).call(logger, fields, String(entry.msg ?? ''));
}

/** tsx's API (its ES module), to register its loader inside the thread before the TypeScript entry is imported. */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
const WORKER_ENTRY = new URL('./intake-thread-worker.ts', import.meta.url).href;
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
import(workerData.loader).then(({ register }) => {
  register();
  return import(workerData.entry);
}).catch((error) => {
  require('node:worker_threads').parentPort.postMessage({ kind: 'failed', error: String(error && error.stack || error) });
});
`;
