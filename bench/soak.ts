import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { sql, type Kysely } from 'kysely';
import { AmqpPublisher } from '../src/intake/amqp-publisher.ts';
import { connectPostgres } from '../src/ledger/sql-connection.ts';
import { uniqueAmqpNames } from '../test/support/amqp-names.ts';
import { createBenchDatabase, BENCH_MASTER_KEY } from './support/bench-database.ts';
import { SoakEvents } from './support/soak-events.ts';
import type { SoakMemory, SoakReply, SoakRequest } from './support/soak-service.ts';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const WARMUP_MINUTES = Number(process.env.SOAK_WARMUP_MINUTES ?? 1);
const RATE = Number(process.env.SOAK_RATE ?? 10);
// A forced full collection every this often, printed, so a run shows a trend and not two points.
const SAMPLE_EVERY_MS = 60_000;
/** Where to write heap snapshots at the warmed-up start and at the end (unset: none). */
const SNAPSHOT_DIR = process.env.SOAK_HEAP_SNAPSHOTS;
const TICK_MS = 100;

/** The service in its own process (bench/support/soak-service.ts), with requests answered over IPC. */
class SoakService {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, (reply: SoakReply) => void>();
  readonly #exited: Promise<never>;
  #nextId = 1;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (reply: SoakReply) => {
      if (reply.kind === 'ready') return;
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
    this.#exited = new Promise((_, reject) => {
      child.once('exit', (code, signal) => reject(new Error(`the service process ended (code ${code}, signal ${signal})`)));
    });
    this.#exited.catch(() => undefined);
  }

  static async start(env: Record<string, string>): Promise<SoakService> {
    const child = fork(join(fileURLToPath(new URL('.', import.meta.url)), 'support', 'soak-service.ts'), [], {
      execArgv: ['--expose-gc', '--import', 'tsx'],
      env: { PATH: process.env.PATH ?? '', ...env },
      // Its logs (pino, info) go nowhere: writing them is part of its work, reading them is not ours.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const service = new SoakService(child);
    await Promise.race([
      new Promise<void>((resolve) => child.on('message', (reply: SoakReply) => reply.kind === 'ready' && resolve())),
      service.#exited,
    ]);
    return service;
  }

  async measure(): Promise<SoakMemory> {
    const reply = await this.#ask({ kind: 'measure', id: 0 });
    if (reply.kind !== 'measured') throw new Error(`unexpected reply ${reply.kind}`);
    return reply.memory;
  }

  async snapshot(path: string): Promise<string> {
    const reply = await this.#ask({ kind: 'snapshot', id: 0, path });
    return reply.kind === 'snapshot-written' ? reply.path : path;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await Promise.race([this.#ask({ kind: 'stop', id: 0 }), this.#exited]).catch(() => undefined);
    if (this.#child.exitCode === null) this.#child.kill('SIGTERM');
    await exited;
  }

  #ask(request: SoakRequest): Promise<SoakReply> {
    const id = this.#nextId++;
    const answered = new Promise<SoakReply>((resolve) => this.#waiting.set(id, resolve));
    this.#child.send({ ...request, id });
    return Promise.race([answered, this.#exited]);
  }
}

/** Publishes at a steady rate until stopped; a failed publish ends the run. */
class SteadyPublisher {
  published = 0;
  #failure: unknown = null;
  #timer: NodeJS.Timeout | null = null;
  #owed = 0;
  #inFlight = new Set<Promise<unknown>>();

  constructor(readonly publisher: AmqpPublisher, readonly events: SoakEvents, readonly perSecond: number) {}

  start(): void {
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#owed += ((now - last) / 1000) * this.perSecond;
      last = now;
      const count = Math.floor(this.#owed);
      if (count === 0) return;
      this.#owed -= count;
      const batch = Array.from({ length: count }, () => this.events.next());
      this.published += count;
      const confirm = this.publisher.publishEnvelopes(batch).then(
        (report) => {
          if (report.confirmed !== count || report.unroutable > 0) this.#failure ??= new Error(`publish: ${JSON.stringify(report)}`);
        },
        (error: unknown) => {
          this.#failure ??= error;
        },
      );
      this.#inFlight.add(confirm);
      void confirm.finally(() => this.#inFlight.delete(confirm));
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all([...this.#inFlight]);
    this.check();
  }

  check(): void {
    if (this.#failure) throw this.#failure;
  }
}

const sleep = (ms: number, check: () => void) =>
  new Promise<void>((resolve, reject) => {
    // Woken every second to notice a failed publish early.
    const end = Date.now() + ms;
    const step = () => {
      try {
        check();
      } catch (error) {
        reject(error);
        return;
      }
      const left = end - Date.now();
      if (left <= 0) resolve();
      else setTimeout(step, Math.min(left, 1000));
    };
    step();
  });

async function backlog(db: Kysely<unknown>, queue: string): Promise<{ queued: number; recorded: number; unsent: number }> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    const { messageCount } = await channel.checkQueue(queue);
    const recorded = await sql<{ n: string }>`select count(*)::text as n from ledger_events where stream_name like 'inbound-%' and event_type = 'InboundEventReceived'`.execute(db);
    const unsent = await sql<{ n: string }>`select count(*)::text as n from notifications where status in ('planned', 'sending')`.execute(db);
    return { queued: messageCount, recorded: Number(recorded.rows[0]!.n), unsent: Number(unsent.rows[0]!.n) };
  } finally {
    await connection.close();
  }
}

const line = (label: string, m: SoakMemory, extra = '') =>
  console.log(`  ${label.padEnd(14)} heap ${m.heapUsedMb.toFixed(1)} MB, rss ${m.rssMb.toFixed(1)} MB, external ${m.externalMb.toFixed(1)} MB, ${m.sends} sends${extra}`);

/**
 * The service on PostgreSQL, fed over AMQP at a steady rate (sandbox channels at their default
 * limits, simulated receipts on) for SOAK_MINUTES after a warm-up. Heap after a forced full
 * collection at the warmed-up start and at the end, both under the same load; the target is growth
 * under 5%. RSS is printed too, but it also holds what V8 and the allocator keep for reuse.
 */
export async function run(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('soak');
  const names = uniqueAmqpNames('bench-soak');
  const reader = connectPostgres(database.url, { poolSize: 1, readModelPoolSize: 1, applicationName: 'bench-soak:reader' });
  let service: SoakService | null = null;
  let publisher: AmqpPublisher | null = null;
  let steady: SteadyPublisher | null = null;
  try {
    console.log(`Soak: ${RATE} events/s over AMQP, ${WARMUP_MINUTES} min warm-up, then ${MINUTES} min measured (service with --expose-gc, sandbox channels, simulated receipts)`);
    service = await SoakService.start({
      DATABASE_URL: database.url,
      AMQP_URL,
      ...names,
      API_TOKENS: `bench:admin:${'b'.repeat(32)}`,
      LEDGER_MASTER_KEY: BENCH_MASTER_KEY,
      CHANNELS_SANDBOX: 'all',
      SANDBOX_RECEIPTS: 'true',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      ...(process.env.SOAK_SANDBOX_KEEP ? { SOAK_SANDBOX_KEEP: process.env.SOAK_SANDBOX_KEEP } : {}),
    });
    line('started', await service.measure());
    publisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'bench-soak:publisher' });
    steady = new SteadyPublisher(publisher, new SoakEvents(), RATE);
    const running = steady;
    steady.start();
    await sleep(WARMUP_MINUTES * 60_000, () => running.check());

    const start = await service.measure();
    line('warmed up', start, `, ${steady.published} events published`);
    if (SNAPSHOT_DIR) console.log(`    snapshot ${await service.snapshot(join(SNAPSHOT_DIR, 'soak-start.heapsnapshot'))}`);
    const startedAt = Date.now();
    const publishedAtStart = steady.published;
    const endAt = startedAt + MINUTES * 60_000;
    while (Date.now() < endAt) {
      await sleep(Math.min(SAMPLE_EVERY_MS, endAt - Date.now()), () => running.check());
      if (Date.now() >= endAt) break;
      const m = await service.measure();
      line(`${((Date.now() - startedAt) / 60_000).toFixed(1)} min`, m, `, ${steady.published} events published`);
    }
    const end = await service.measure();
    const state = await backlog(reader.readModels, names.AMQP_QUEUE!);
    line('end', end, `, ${steady.published} events published; ${state.queued} queued, ${state.recorded} recorded, ${state.unsent} notifications not sent yet`);
    if (SNAPSHOT_DIR) console.log(`    snapshot ${await service.snapshot(join(SNAPSHOT_DIR, 'soak-end.heapsnapshot'))}`);
    await steady.stop();
    const events = steady.published - publishedAtStart;

    const growth = end.heapUsedMb / start.heapUsedMb - 1;
    console.log(
      `Heap ${start.heapUsedMb.toFixed(1)} -> ${end.heapUsedMb.toFixed(1)} MB (${(growth * 100).toFixed(1)}%) over ${events} events in ${MINUTES} min; ` +
        `RSS ${start.rssMb.toFixed(1)} -> ${end.rssMb.toFixed(1)} MB. Target: heap growth under 5%.`,
    );
    return {
      heap_start_mb: start.heapUsedMb,
      heap_end_mb: end.heapUsedMb,
      heap_growth: Number(growth.toFixed(4)),
      rss_start_mb: start.rssMb,
      rss_end_mb: end.rssMb,
      events,
      events_total: steady.published,
      sends: end.sends - start.sends,
      queued_at_end: state.queued,
      rate_per_s: RATE,
      minutes: MINUTES,
      warmup_minutes: WARMUP_MINUTES,
    };
  } finally {
    await steady?.stop().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await service?.stop();
    await reader.close();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const queue of [names.AMQP_QUEUE!, names.AMQP_DEAD_LETTER_QUEUE!]) await channel.deleteQueue(queue).catch(() => undefined);
    for (const exchange of [names.AMQP_EXCHANGE!, names.AMQP_DEAD_LETTER_EXCHANGE!]) await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
    await database.drop();
  }
}
