import { randomBytes } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import pg from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Clock } from '../src/domain/clock.ts';
import { AmqpIntakeConsumer, type RecordInbound } from '../src/intake/amqp-intake-consumer.ts';
import { AmqpPublisher } from '../src/intake/amqp-publisher.ts';
import { ledgerProbe, ledgerRecorder } from '../src/intake/ledger-recorder.ts';
import { declareTopology, queueArguments, resolveTopology, type IntakeTopology, type QueueType } from '../src/intake/topology.ts';
import { PostgresEventStore } from '../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../src/ledger/sql-connection.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { cpuBetween, describeCpu, sampleCpu, sumCpu, type CpuSample } from './support/process-cpu.ts';
import { UPSTREAM_TYPES, validEnvelope, type RawEnvelope } from '../test/support/envelopes.ts';

// DESIGN.md's benchmark contract: AMQP -> validate -> ledger -> ack at prefetch 10, beside a raw
// amqplib consumer that only acks the same messages from a twin queue of the same type, same run.
// A third twin is drained by the floor: the least any durable intake does (parse, one durable
// multi-row INSERT, ack), which says how much of the gap to raw is the intake's own.
const TOTAL = 50_000;
const DUPLICATE_SHARE = 0.05;
const PREFETCH = 10;
// The floor's statements in flight: as many as the ledger's own appends may have.
const FLOOR_STATEMENTS = 4;
// Alternating rounds spread the drift of a shared machine over both sides instead of one.
const ROUNDS = 5;
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const QUEUE_TYPE: QueueType = process.env.INTAKE_QUEUE_TYPE === 'classic' ? 'classic' : 'quorum';

const systemClock: Clock = { now: () => new Date() };

/** 50,000 messages of the 20 upstream types, 5% of them repeats of an earlier eventId. */
function workload(): RawEnvelope[] {
  const messages: RawEnvelope[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const repeat = i > 100 && Math.random() < DUPLICATE_SHARE;
    messages.push(repeat ? messages[Math.floor(Math.random() * i)]! : validEnvelope(UPSTREAM_TYPES[i % UPSTREAM_TYPES.length]!, {}, systemClock));
  }
  return messages;
}

interface Side {
  count: number;
  ms: number;
  /** Intake only: time spent inside `record` (the ledger), summed over messages. */
  recordMs?: number;
  /** CPU this process spent on the side (user + system), for where the time goes. */
  cpuMs: number;
}

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** How a twin's consumer reports: n more messages acked, or a failure that ends the drain. */
interface Settle {
  acked(count: number): void;
  failed(error: unknown): void;
}

/**
 * Consumes a twin queue until `expected` messages are acked: `take` gets each delivery and reports
 * through `settle`. Timed from the first delivery to the last ack.
 */
async function drainTwin(
  channel: Channel,
  queue: string,
  expected: number,
  take: (message: ConsumeMessage, settle: Settle) => void,
): Promise<Side> {
  let seen = 0;
  let first = 0;
  const cpu = process.cpuUsage();
  const done = resolvers();
  const settle: Settle = {
    acked(count) {
      seen += count;
      if (seen === expected) done.resolve(performance.now());
    },
    failed: (error) => done.reject(error),
  };
  const { consumerTag } = await channel.consume(queue, (message) => {
    if (message === null) return;
    if (first === 0) first = performance.now();
    take(message, settle);
  }, { noAck: false });
  try {
    const last = (await done.promise) as number;
    return { count: seen, ms: last - first, cpuMs: cpuMsSince(cpu) };
  } finally {
    await channel.cancel(consumerTag);
  }
}

/** The raw side: a consumer that does nothing but ack. */
const drainRaw = (channel: Channel, queue: string, expected: number): Promise<Side> =>
  drainTwin(channel, queue, expected, (message, settle) => {
    channel.ack(message);
    settle.acked(1);
  });

/**
 * The floor: what the barest durable intake would do. JSON.parse, then one plain INSERT per group of
 * waiting messages (up to `FLOOR_STATEMENTS` in flight, synchronous commit), then ack. No
 * validation, no dedup, no ledger order: nothing an intake could leave out.
 */
function drainFloor(channel: Channel, queue: string, pool: pg.Pool, expected: number): Promise<Side> {
  const waiting: ConsumeMessage[] = [];
  let inFlight = 0;
  let isScheduled = false;
  const pump = (settle: Settle) => {
    while (inFlight < FLOOR_STATEMENTS && waiting.length > 0) {
      const batch = waiting.splice(0);
      const rows = batch.map((m) => {
        const body = JSON.parse(m.content.toString('utf8')) as { eventId: string };
        return { event_id: body.eventId, body };
      });
      inFlight++;
      pool
        .query('insert into bench_floor (event_id, body) select event_id, body from json_to_recordset($1::json) as r(event_id text, body jsonb)', [JSON.stringify(rows)])
        .then(() => {
          for (const m of batch) channel.ack(m);
          settle.acked(batch.length);
        }, (error: unknown) => settle.failed(error))
        .finally(() => {
          inFlight--;
          pump(settle);
        });
    }
  };
  return drainTwin(channel, queue, expected, (message, settle) => {
    waiting.push(message);
    if (isScheduled) return;
    isScheduled = true;
    queueMicrotask(() => {
      isScheduled = false;
      pump(settle);
    });
  });
}

/** Drains `expected` messages through the intake consumer into the PostgreSQL ledger. */
async function drainIntake(make: (record: RecordInbound) => AmqpIntakeConsumer, inner: RecordInbound, expected: number): Promise<Side> {
  let settled = 0;
  let first = 0;
  const done = resolvers();
  let recordMs = 0;
  const cpu = process.cpuUsage();
  const record: RecordInbound = async (envelope, via) => {
    const started = performance.now();
    if (first === 0) first = started;
    const outcome = await inner(envelope, via);
    recordMs += performance.now() - started;
    // The consumer acks in the same tick the record resolves, before this continuation runs.
    queueMicrotask(() => {
      if (++settled === expected) done.resolve(performance.now());
    });
    return outcome;
  };
  const consumer = make(record);
  await consumer.start();
  const last = (await done.promise) as number;
  await consumer.stop();
  return { count: settled, ms: last - first, recordMs, cpuMs: cpuMsSince(cpu) };
}

function resolvers(): { promise: Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void } {
  let resolve!: (value: unknown) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function waitForReady(channel: Channel, queues: string[], expected: number): Promise<void> {
  for (;;) {
    const counts = await Promise.all(queues.map(async (q) => (await channel.checkQueue(q)).messageCount));
    if (counts.every((c) => c >= expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function adminQuery(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

export async function run(): Promise<Record<string, number | string>> {
  const suffix = randomBytes(4).toString('hex');
  const topology: IntakeTopology = resolveTopology({
    exchange: `bench.clinic.events.${suffix}`,
    queue: `bench.notifications.${suffix}`,
    deadLetterExchange: `bench.clinic.events.dlx.${suffix}`,
    deadLetterQueue: `bench.notifications.dead.${suffix}`,
    queueType: QUEUE_TYPE,
  });
  const twin = `${topology.queue}.raw`;
  const floorTwin = `${topology.queue}.floor`;
  const database = `cnl_b_intake_${Date.now()}_${suffix}`;
  await adminQuery(`create database "${database}"`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const sql = connectPostgres(url.toString(), { poolSize: PREFETCH + 2 });
  const floorPool = new pg.Pool({ connectionString: url.toString(), max: FLOOR_STATEMENTS });
  // An idle client's error (the server closing it) is an 'error' event; unheard, it would end the run.
  floorPool.on('error', (error) => console.warn(`floor pool: ${error.message}`));

  let connection: ChannelModel | undefined;
  let publisher: AmqpPublisher | undefined;
  try {
    const store = await PostgresEventStore.open(sql);
    connection = await amqp.connect(AMQP_URL);
    const admin = await connection.createChannel();
    await declareTopology(admin, topology);
    // The twin: same type and arguments, bound the same way, so every publish lands in both.
    for (const q of [twin, floorTwin]) {
      await admin.assertQueue(q, { durable: true, arguments: queueArguments(topology) });
      await admin.bindQueue(q, topology.exchange, '#');
    }
    const rawChannel = await connection.createChannel();
    await rawChannel.prefetch(PREFETCH, false);
    const floorChannel = await connection.createChannel();
    await floorChannel.prefetch(PREFETCH, false);
    await floorPool.query('create table bench_floor (event_id text not null, body jsonb not null)');
    publisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: topology.exchange, connectionName: 'bench:intake:publisher' });

    const inner = ledgerRecorder(store, { clock: systemClock });
    const logger = createLogger({ destination: pino.destination({ dest: '/dev/null', sync: false }) });
    const registry = new Registry();
    const make = (record: RecordInbound) =>
      new AmqpIntakeConsumer({
        url: AMQP_URL,
        topology,
        record,
        probeLedger: ledgerProbe(store),
        prefetch: PREFETCH,
        connectionName: 'bench:intake',
        logger,
        registry,
      });

    const messages = workload();
    const raw: Side = { count: 0, ms: 0, cpuMs: 0 };
    const floor: Side = { count: 0, ms: 0, cpuMs: 0 };
    const intake: Side = { count: 0, ms: 0, recordMs: 0, cpuMs: 0 };
    const perRound = TOTAL / ROUNDS;
    // Every process's CPU, summed over the rounds of each side: the service, PostgreSQL and RabbitMQ share the cores.
    const cpu = { raw: [] as (CpuSample | null)[], floor: [] as (CpuSample | null)[], intake: [] as (CpuSample | null)[] };
    for (let round = 0; round < ROUNDS; round++) {
      const batch = messages.slice(round * perRound, (round + 1) * perRound);
      const report = await publisher.publishEnvelopes(batch);
      if (report.confirmed !== batch.length || report.unroutable !== 0) throw new Error(`publish: ${JSON.stringify(report)}`);
      await waitForReady(admin, [topology.queue, twin, floorTwin], batch.length);
      const beforeRaw = sampleCpu();
      const rawRound = await drainRaw(rawChannel, twin, batch.length);
      const beforeFloor = sampleCpu();
      const floorRound = await drainFloor(floorChannel, floorTwin, floorPool, batch.length);
      const beforeIntake = sampleCpu();
      const intakeRound = await drainIntake(make, inner, batch.length);
      cpu.raw.push(cpuBetween(beforeRaw, beforeFloor));
      cpu.floor.push(cpuBetween(beforeFloor, beforeIntake));
      cpu.intake.push(cpuBetween(beforeIntake, sampleCpu()));
      for (const [total, round] of [[raw, rawRound], [floor, floorRound], [intake, intakeRound]] as const) {
        total.count += round.count;
        total.ms += round.ms;
        total.cpuMs += round.cpuMs;
      }
      intake.recordMs! += intakeRound.recordMs!;
      // Where intake time goes: with `prefetch` slots, each message holds one for the ledger's time
      // plus the broker's turnaround (ack in, next delivery out).
      console.log(
        `round ${round + 1}/${ROUNDS}: raw ${Math.round(rawRound.count / (rawRound.ms / 1000))}/s, ` +
          `floor ${Math.round(floorRound.count / (floorRound.ms / 1000))}/s, ` +
          `intake ${Math.round(intakeRound.count / (intakeRound.ms / 1000))}/s, ` +
          `ledger ${(intakeRound.recordMs! / intakeRound.count).toFixed(2)} ms/message, ` +
          `slots busy in the ledger ${((intakeRound.recordMs! / intakeRound.ms / PREFETCH) * 100).toFixed(0)}%, ` +
          `CPU here per message: raw ${((rawRound.cpuMs / rawRound.count) * 1000).toFixed(0)} us, ` +
          `intake ${((intakeRound.cpuMs / intakeRound.count) * 1000).toFixed(0)} us`,
      );
    }

    const duplicates = Number((await registry.getSingleMetric('intake_duplicates_total')?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0);
    const recorded = Number((await registry.getSingleMetric('intake_events_recorded_total')?.get())?.values.reduce((s, v) => s + v.value, 0) ?? 0);
    const intakePerS = intake.count / (intake.ms / 1000);
    const rawPerS = raw.count / (raw.ms / 1000);
    const floorPerS = floor.count / (floor.ms / 1000);
    console.log(`queue type ${QUEUE_TYPE}; recorded ${recorded}, duplicates ${duplicates}`);
    console.log(`raw:    ${describeCpu(sumCpu(cpu.raw), raw.count, 'message')}`);
    console.log(`floor:  ${describeCpu(sumCpu(cpu.floor), floor.count, 'message')}`);
    console.log(`intake: ${describeCpu(sumCpu(cpu.intake), intake.count, 'message')}`);
    console.log(
      `the floor (parse, one durable INSERT, ack) reaches ${(floorPerS / rawPerS).toFixed(2)} of raw; ` +
        `the intake reaches ${(intakePerS / floorPerS).toFixed(2)} of the floor`,
    );
    return {
      intake_per_s: Math.round(intakePerS),
      raw_per_s: Math.round(rawPerS),
      ratio: Math.round((intakePerS / rawPerS) * 1000) / 1000,
      floor_per_s: Math.round(floorPerS),
      floor_ratio: Math.round((floorPerS / rawPerS) * 1000) / 1000,
      intake_of_floor: Math.round((intakePerS / floorPerS) * 1000) / 1000,
      queue_type: QUEUE_TYPE,
      ledger_ms_per_message: Math.round((intake.recordMs! / intake.count) * 100) / 100,
      recorded,
      duplicates,
    };
  } finally {
    await publisher?.close();
    if (connection) {
      const admin = await connection.createChannel();
      for (const q of [topology.queue, twin, floorTwin, topology.deadLetterQueue]) await admin.deleteQueue(q).catch(() => undefined);
      for (const x of [topology.exchange, topology.deadLetterExchange]) await admin.deleteExchange(x).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
    await sql.close();
    await floorPool.end();
    await adminQuery(`drop database if exists "${database}" with (force)`);
  }
}
