import { setTimeout as delay } from 'node:timers/promises';
import amqp from 'amqplib';
import pg from 'pg';
import type { SandboxTransport } from '../src/channels/sandbox-transport.ts';
import { loadConfig } from '../src/config.ts';
import { PATIENT_CHANNELS, type PatientEventType } from '../src/domain/event-catalogue.ts';
import { notificationIdFor } from '../src/domain/notifications/plan-notifications.ts';
import { AmqpPublisher } from '../src/intake/amqp-publisher.ts';
import { resolveTopology } from '../src/intake/topology.ts';
import { startService } from '../src/service.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { deleteTopology, uniqueAmqpNames } from '../test/support/amqp-names.ts';
import { realClock } from '../test/support/clock.ts';
import { envelopesOn, type RawEnvelope, type UpstreamEventType } from '../test/support/envelopes.ts';
import { createBenchDatabase, BENCH_MASTER_KEY } from './support/bench-database.ts';
import { measureMixedBacklog } from './support/e2e-mixed-backlog.ts';
import { E2eFloor } from './support/e2e-floor.ts';
import { stageLatencies } from './support/e2e-stages.ts';
import { cpuBetween, describeCpu, sampleCpu, totalCpu, type CpuSample } from './support/process-cpu.ts';
import { percentile, rawInsertRate, rawKeysetReadRate } from './support/raw-baselines.ts';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FULL_SPEED_EVENTS = Number(process.env.E2E_EVENTS ?? 10_000);
// Steady rates, each for STEADY_SECONDS: a low load (the latency of one event on an idle path), a
// load well within capacity, and 500/s, beyond it on these machines. A rate at or over the run's
// full-speed rate is not measured and reads "saturated": its latency only says how long the queue grew.
const STEADY_RATES = (process.env.E2E_STEADY_RATES ?? '20,200,500').split(',').map(Number);
const STEADY_SECONDS = Number(process.env.E2E_STEADY_SECONDS ?? 10);
// The steady rates of the pass whose notification rows the read-model lane alone writes.
const LANE_ONLY_RATES = [20, 200].filter((rate) => STEADY_RATES.includes(rate));
// The latency whose events the stages (recorded -> planned -> attempt started) are read from.
const STAGES_RATE = 200;
// The service's default unless asked: how many unacked messages the intake takes at once bounds
// how much it can batch into one commit, and so the whole pipeline's rate.
const PREFETCH = String(process.env.E2E_PREFETCH ?? 10);
// The mixed-backlog phase: an emergency leave fanning out to this many patients on WhatsApp and email.
const MIXED_AFFECTED = Number(process.env.E2E_MIXED_AFFECTED ?? 2_000);
// E2E_ONLY=mixed runs the mixed-backlog phase alone (it needs no AMQP and takes about half a minute).
const ONLY = process.env.E2E_ONLY;
// The service runs on the real clock; every event is built for the real now, its slots ahead of it.
const { validEnvelope } = envelopesOn(realClock);
const TYPES: (PatientEventType & UpstreamEventType)[] = ['appointment.pending_approval', 'appointment.confirmed', 'appointment.cancelled', 'walkin.token_called', 'clinical.report_ready'];

/** Publish times by notification id, and what the transport calls say of them. */
class Sends {
  readonly #publishedAt = new Map<string, number>();
  readonly #sentIds = new Set<string>();
  readonly latencies: number[] = [];
  /** Distinct notifications sent; a second send of one counts in `repeats` instead. */
  count = 0;
  repeats = 0;
  lastAt = 0;

  /** Expects the sends `raw` must cause (the bench's one patient on each of its type's channels); answers how many. */
  expect(raw: RawEnvelope, at: number): number {
    const channels = PATIENT_CHANNELS[raw.type as PatientEventType];
    for (const channel of channels) this.#publishedAt.set(notificationIdFor(raw.eventId, 'pat-1', channel), at);
    return channels.length;
  }

  sent(notificationId: string): void {
    const at = performance.now();
    if (this.#sentIds.has(notificationId)) {
      this.repeats++;
      return;
    }
    this.#sentIds.add(notificationId);
    const start = this.#publishedAt.get(notificationId);
    if (start !== undefined) {
      this.latencies.push(at - start);
      this.#publishedAt.delete(notificationId);
    }
    this.count++;
    this.lastAt = at;
  }
}

/** p50 and p99 of publish -> transport call at one steady rate; null where the rate saturated the run. */
type Steady = { p50: number; p99: number; eventIds: string[] } | null;

interface Measured {
  eventsPerSecond: number;
  cpu: CpuSample | null;
  steady: ReadonlyMap<number, Steady>;
}

/** Full speed, then a steady rate, through `publisher` into whatever calls `sends.sent`. */
async function measure(
  publisher: AmqpPublisher,
  sends: Sends,
  failure: () => unknown,
  options: { steady?: boolean; rates?: readonly number[]; beforeSteady?: () => Promise<void> } = {},
): Promise<Measured> {
  const waitForSends = async (count: number, what: string) => {
    const deadline = Date.now() + 300_000;
    while (sends.count < count) {
      if (failure()) throw failure();
      if (Date.now() > deadline) throw new Error(`${what}: only ${sends.count} of ${count} sends arrived`);
      await delay(20);
    }
  };

  console.log(`  full speed: ${FULL_SPEED_EVENTS} events...`);
  let expected = 0;
  const fullStart = performance.now();
  const cpuBefore = sampleCpu();
  for (let i = 0; i < FULL_SPEED_EVENTS; i += 500) {
    const batch = Array.from({ length: Math.min(500, FULL_SPEED_EVENTS - i) }, (_, j) => validEnvelope(TYPES[(i + j) % TYPES.length]!));
    const at = performance.now();
    for (const raw of batch) expected += sends.expect(raw, at);
    await publisher.publishEnvelopes(batch);
  }
  await waitForSends(expected, 'full speed');
  const fullSeconds = (sends.lastAt - fullStart) / 1000;
  const eventsPerSecond = FULL_SPEED_EVENTS / fullSeconds;
  const cpu = cpuBetween(cpuBefore, sampleCpu());
  console.log(`    ${Math.round(eventsPerSecond)} events/s end to end (${expected} sends in ${fullSeconds.toFixed(1)} s)`);
  // The publisher runs in this process too, and counts as the service here.
  console.log(`    ${describeCpu(cpu, FULL_SPEED_EVENTS, 'event')}`);
  if (options.steady === false) return { eventsPerSecond, cpu, steady: new Map() };
  await options.beforeSteady?.();

  const steady = new Map<number, Steady>();
  for (const rate of options.rates ?? STEADY_RATES) {
    if (rate >= eventsPerSecond) {
      console.log(`  steady: ${rate} events/s: saturated (at or over the full-speed rate), not measured`);
      steady.set(rate, null);
      continue;
    }
    steady.set(rate, await steadyRate(publisher, sends, rate, waitForSends));
  }
  return { eventsPerSecond, cpu, steady };
}

/** `rate` events a second for STEADY_SECONDS, published in tenths of a second; the latencies of their sends. */
async function steadyRate(publisher: AmqpPublisher, sends: Sends, rate: number, waitForSends: (count: number, what: string) => Promise<void>): Promise<Steady> {
  console.log(`  steady: ${rate} events/s for ${STEADY_SECONDS} s...`);
  sends.latencies.length = 0;
  const before = sends.count;
  let expected = 0;
  const start = performance.now();
  const confirms: Promise<unknown>[] = [];
  const eventIds: string[] = [];
  // Ticks of 100 ms, or fewer where the rate is below ten a second; each tick carries its share.
  const ticks = Math.min(STEADY_SECONDS * 10, rate * STEADY_SECONDS);
  let published = 0;
  for (let tick = 0; tick < ticks; tick++) {
    const wait = start + (tick * STEADY_SECONDS * 1000) / ticks - performance.now();
    if (wait > 0) await delay(wait);
    const due = Math.round(((tick + 1) * rate * STEADY_SECONDS) / ticks) - published;
    const batch = Array.from({ length: due }, (_, j) => validEnvelope(TYPES[(published + j) % TYPES.length]!));
    published += due;
    const at = performance.now();
    for (const raw of batch) {
      expected += sends.expect(raw, at);
      eventIds.push(raw.eventId);
    }
    confirms.push(publisher.publishEnvelopes(batch));
  }
  await Promise.all(confirms);
  await waitForSends(before + expected, `steady ${rate}/s`);
  const sorted = [...sends.latencies].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const p99 = percentile(sorted, 99);
  console.log(`    p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${sorted.length} sends; ${sends.repeats} notifications sent twice`);
  if (sends.repeats > 0) throw new Error(`${sends.repeats} notifications were sent twice`);
  return { p50, p99, eventIds };
}

/**
 * publish over AMQP -> intake -> ledger -> planner -> dispatcher -> sandbox transport call, on the
 * real PostgreSQL and RabbitMQ, at full speed and at steady rates (20, 200 and 500 events/s). Sandbox
 * rate limits are lifted: this measures the service, not Meta's per-number limit. The same run then
 * drives the floor (bench/support/e2e-floor.ts: the durable steps alone) with the same load, on its
 * own queue; then full-speed passes in clear, sealed again, and with the AMQP intake on a thread of
 * its own (INTAKE_THREAD), and a pass at full speed, 20 and 200/s whose notification rows the
 * read-model lane alone writes (as on KurrentDB), against the service's, which writes plans' rows with them. Last, a mixed backlog with the real limits kept (email 14/s, WhatsApp 80/s): each channel's send
 * rate as a share of its own limit, to show that a channel at its limit holds no other back.
 */
export async function run(): Promise<Record<string, number | string | boolean>> {
  if (ONLY === 'mixed') return mixedBacklog();
  if (ONLY !== undefined) throw new Error(`E2E_ONLY=${ONLY}: only "mixed" is known`);
  const figures = await serviceAndFloor();
  return { ...figures, ...(await mixedBacklog()) };
}

async function mixedBacklog(): Promise<Record<string, number>> {
  const limits = { whatsapp: { concurrency: 16, perSecond: 80 }, email: { concurrency: 16, perSecond: 14 } };
  console.log(`Mixed backlog: an emergency leave to ${MIXED_AFFECTED} patients on WhatsApp (${limits.whatsapp.perSecond}/s) and email (${limits.email.perSecond}/s), limits kept:`);
  const mixed = await measureMixedBacklog({ affected: MIXED_AFFECTED, limits });
  console.log(
    `    WhatsApp ${mixed.whatsappPerSecond.toFixed(1)}/s (${mixed.whatsappShareOfLimit.toFixed(2)} of its limit) over ${mixed.seconds.toFixed(1)} s, ` +
      `email ${mixed.emailPerSecond.toFixed(1)}/s (${mixed.emailShareOfLimit.toFixed(2)} of its limit) meanwhile`,
  );
  return {
    whatsapp_share_of_limit: Number(mixed.whatsappShareOfLimit.toFixed(2)),
    email_share_of_limit: Number(mixed.emailShareOfLimit.toFixed(2)),
    mixed_whatsapp_per_s: Number(mixed.whatsappPerSecond.toFixed(1)),
    mixed_email_per_s: Number(mixed.emailPerSecond.toFixed(1)),
    mixed_affected: MIXED_AFFECTED,
  };
}

/**
 * The same service on its own database and queue, at full speed only unless `rates` are given, with
 * personal data sealed (the default) or, through the switch only benchmarks use, in clear: what
 * sealing costs, in the same run. With `intakeThread`, as INTAKE_THREAD=true runs it; with
 * `laneOnly`, its notification rows written by the read-model lane alone, as on KurrentDB.
 */
async function fullSpeedService(
  personalData: 'sealed' | 'clear',
  options: { intakeThread?: boolean; laneOnly?: boolean; rates?: readonly number[] } = {},
): Promise<Measured> {
  const database = await createBenchDatabase(`e2e_${personalData}`);
  const names = uniqueAmqpNames(`bench-e2e-${personalData}`);
  console.log(
    `The service with personal data ${personalData === 'clear' ? 'in clear (benchmark switch)' : 'sealed'}` +
      `${options.intakeThread ? ', the AMQP intake on a thread of its own (INTAKE_THREAD=true)' : ''}` +
      `${options.laneOnly ? ', notification rows written by the read-model lane alone (not with their plans)' : ''}` +
      ` (${options.rates ? `full speed, then ${options.rates.join(' and ')}/s` : 'full speed only'}):`,
  );
  const service = await startService(
    benchConfig(database.url, names, options),
    {
      logger: silentLogger(),
      port: 0,
      personalData,
      dispatcher: { limits: { whatsapp: UNLIMITED, email: UNLIMITED }, claimBatch: 200, pollIntervalMs: 100 },
      ...(options.laneOnly ? { inlineDeliveries: false as const } : {}),
    },
  );
  const publisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: `bench-e2e:${personalData}-publisher` });
  try {
    const sends = new Sends();
    for (const channel of ['whatsapp', 'email'] as const) (service.transports[channel] as SandboxTransport).onSent((message) => sends.sent(message.notificationId));
    return await measure(publisher, sends, () => null, options.rates ? { rates: options.rates, beforeSteady: () => vacuumAnalyze(database.url) } : { steady: false });
  } finally {
    await publisher.close();
    await service.stop();
    await dropAmqpNames(names);
    await database.drop();
  }
}

const describeP99 = (steady: Steady | undefined) => (steady ? `${steady.p99.toFixed(0)} ms` : 'saturated');

/** p50 and p99 at each steady rate, `saturated` where the rate was at or over the run's capacity. */
function latencyFigures(prefix: string, steady: ReadonlyMap<number, Steady>): Record<string, number | string> {
  const figures: Record<string, number | string> = {};
  for (const [rate, measured] of steady) {
    figures[`${prefix}p50_ms_at_${rate}`] = measured ? Number(measured.p50.toFixed(1)) : 'saturated';
    figures[`${prefix}p99_ms_at_${rate}`] = measured ? Number(measured.p99.toFixed(1)) : 'saturated';
  }
  return figures;
}

const UNLIMITED = { concurrency: 64, perSecond: 1_000_000 };

/** The service's configuration in every pass: sandbox channels, its own database and queue. */
const benchConfig = (databaseUrl: string, names: Record<string, string>, options: { intakeThread?: boolean } = {}) =>
  loadConfig({ DATABASE_URL: databaseUrl, AMQP_URL, ...names, AMQP_PREFETCH: PREFETCH, API_TOKENS: `bench:admin:${'b'.repeat(32)}`, LEDGER_MASTER_KEY: BENCH_MASTER_KEY, CHANNELS_SANDBOX: 'all', LOG_LEVEL: 'silent', INTAKE_THREAD: String(options.intakeThread ?? false) });

/**
 * What autovacuum does on a server left at its defaults, done at once: the full-speed burst leaves
 * every notification row updated three times over, and this machine runs PostgreSQL with
 * autovacuum off, so without it the steady rates that follow would be measured over the burst's
 * dead rows and stale statistics (publish -> send p99 at 20/s 67 ms against 42 ms after a vacuum,
 * in one comparison). The floor gets the same.
 */
async function vacuumAnalyze(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('vacuum analyze');
    console.log(`  vacuum analyze before the steady rates, as autovacuum would: ${Math.round(performance.now() - started)} ms`);
  } finally {
    await client.end();
  }
}

/** The queues and exchanges a run declared under `uniqueAmqpNames`; what is already gone is passed over. */
async function dropAmqpNames(...all: Record<string, string>[]): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const names of all) {
    await deleteTopology(channel, { queue: names.AMQP_QUEUE!, deadLetterQueue: names.AMQP_DEAD_LETTER_QUEUE!, exchange: names.AMQP_EXCHANGE!, deadLetterExchange: names.AMQP_DEAD_LETTER_EXCHANGE! });
  }
  await connection.close();
}

async function serviceAndFloor(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('e2e');
  const names = uniqueAmqpNames('bench-e2e');
  const floorNames = uniqueAmqpNames('bench-e2e-floor');
  console.log('Baselines: raw pg single-row inserts and keyset reads...');
  const rawInsert = await rawInsertRate(database.url);
  const rawRead = await rawKeysetReadRate(database.url);
  console.log(`  raw insert ${Math.round(rawInsert)}/s, keyset read ${Math.round(rawRead)}/s`);

  console.log(`The service (personal data sealed, sandbox channels, rate limits lifted, intake prefetch ${PREFETCH}):`);
  const service = await startService(
    benchConfig(database.url, names),
    { logger: silentLogger(), port: 0, dispatcher: { limits: { whatsapp: UNLIMITED, email: UNLIMITED }, claimBatch: 200, pollIntervalMs: 100 } },
  );
  let serviceStopped: Promise<void> | null = null;
  const stopService = () => (serviceStopped ??= service.stop());
  let floor: E2eFloor | null = null;
  const publishers: AmqpPublisher[] = [];
  try {
    const publisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'bench-e2e:publisher' });
    publishers.push(publisher);
    const serviceSends = new Sends();
    for (const channel of ['whatsapp', 'email'] as const) {
      (service.transports[channel] as SandboxTransport).onSent((message) => serviceSends.sent(message.notificationId));
    }
    const ours = await measure(publisher, serviceSends, () => null, { beforeSteady: () => vacuumAnalyze(database.url) });
    const stagesOf = ours.steady.get(STAGES_RATE);
    const stages = stagesOf ? await stageLatencies(service.db, stagesOf.eventIds) : null;
    if (stages) console.log(
      `    of which recorded -> planned p50 ${stages.recordedToPlanned.p50} ms (p99 ${stages.recordedToPlanned.p99}), ` +
        `planned -> attempt started p50 ${stages.plannedToAttempt.p50} ms (p99 ${stages.plannedToAttempt.p99}); the rest is intake before and the send after (at ${STAGES_RATE}/s)`,
      );
    await stopService();

    console.log(`The floor (the durable steps alone, same load, prefetch ${PREFETCH}):`);
    const floorSends = new Sends();
    floor = await E2eFloor.start({
      databaseUrl: database.url,
      amqpUrl: AMQP_URL,
      topology: resolveTopology({
        exchange: floorNames.AMQP_EXCHANGE!,
        queue: floorNames.AMQP_QUEUE!,
        deadLetterExchange: floorNames.AMQP_DEAD_LETTER_EXCHANGE!,
        deadLetterQueue: floorNames.AMQP_DEAD_LETTER_QUEUE!,
      }),
      prefetch: Number(PREFETCH),
      onSent: (id) => floorSends.sent(id),
    });
    const floorPublisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: floorNames.AMQP_EXCHANGE!, connectionName: 'bench-e2e:floor-publisher' });
    publishers.push(floorPublisher);
    const running = floor;
    const bare = await measure(floorPublisher, floorSends, () => running.failure, { beforeSteady: () => vacuumAnalyze(database.url) });
    const ofFloor = ours.eventsPerSecond / bare.eventsPerSecond;
    console.log(`The service reaches ${ofFloor.toFixed(2)} of the floor's rate`);
    for (const rate of STEADY_RATES) console.log(`  p99 at ${rate}/s: ${describeP99(ours.steady.get(rate))} against the floor's ${describeP99(bare.steady.get(rate))}`);
    await floor.stop();
    floor = null;
    // Sealing's cost: a pass in clear between the service's own (sealed) pass and a second sealed
    // one, so the drift of a shared machine and a warming process fall on both sides alike.
    const clear = await fullSpeedService('clear');
    const sealedAgain = await fullSpeedService('sealed');
    const sealedRate = (ours.eventsPerSecond + sealedAgain.eventsPerSecond) / 2;
    const sealedOfClear = sealedRate / clear.eventsPerSecond;
    console.log(
      `Sealing personal data keeps ${sealedOfClear.toFixed(2)} of the rate without it (sealed ${Math.round(ours.eventsPerSecond)}/s and ` +
        `${Math.round(sealedAgain.eventsPerSecond)}/s around ${Math.round(clear.eventsPerSecond)}/s in clear)`,
    );
    // The intake on a thread of its own, against the two sealed passes around it in the same run.
    const threaded = await fullSpeedService('sealed', { intakeThread: true });
    console.log(
      `The intake on a thread of its own: ${Math.round(threaded.eventsPerSecond)} events/s, ${(threaded.eventsPerSecond / sealedRate).toFixed(2)} of the ` +
        `sealed passes in its own thread, ${(threaded.eventsPerSecond / bare.eventsPerSecond).toFixed(2)} of the floor`,
    );
    // The notification rows written by the read-model lane alone (the path a KurrentDB ledger and a
    // rebuild take), against the service's own pass, which writes each plan's rows with the plan.
    const laneOnly = await fullSpeedService('sealed', { laneOnly: true, rates: LANE_ONLY_RATES });
    console.log(
      `Rows by the lane alone: ${Math.round(laneOnly.eventsPerSecond)} events/s (the sealed passes with the plans' rows written with them ${(sealedRate / laneOnly.eventsPerSecond).toFixed(2)} of it); ` +
        LANE_ONLY_RATES.map((rate) => `p99 at ${rate}/s ${describeP99(laneOnly.steady.get(rate))} against ${describeP99(ours.steady.get(rate))} with the plans`).join(', '),
    );
    const cpuPerEvent = (cpu: CpuSample | null) => (cpu ? Math.round((totalCpu(cpu) * 1000) / FULL_SPEED_EVENTS) : 'unknown');
    return {
      events_per_s: Math.round(ours.eventsPerSecond),
      ...latencyFigures('', ours.steady),
      cpu_us_per_event: cpuPerEvent(ours.cpu),
      floor_events_per_s: Math.round(bare.eventsPerSecond),
      ...latencyFigures('floor_', bare.steady),
      floor_cpu_us_per_event: cpuPerEvent(bare.cpu),
      events_of_floor: Number(ofFloor.toFixed(2)),
      clear_events_per_s: Math.round(clear.eventsPerSecond),
      clear_events_of_floor: Number((clear.eventsPerSecond / bare.eventsPerSecond).toFixed(2)),
      sealed_again_events_per_s: Math.round(sealedAgain.eventsPerSecond),
      sealed_of_clear: Number(sealedOfClear.toFixed(2)),
      sealing_within_budget: sealedOfClear >= 0.9,
      intake_thread_events_per_s: Math.round(threaded.eventsPerSecond),
      intake_thread_events_of_floor: Number((threaded.eventsPerSecond / bare.eventsPerSecond).toFixed(2)),
      intake_thread_of_in_thread: Number((threaded.eventsPerSecond / sealedRate).toFixed(2)),
      lane_only_events_per_s: Math.round(laneOnly.eventsPerSecond),
      ...latencyFigures('lane_only_', laneOnly.steady),
      // Against both sealed passes, as the intake thread's: the first pass of a run is its slowest.
      rows_with_plans_of_lane_only: Number((sealedRate / laneOnly.eventsPerSecond).toFixed(2)),
      raw_insert_per_s: Math.round(rawInsert),
      raw_keyset_read_per_s: Math.round(rawRead),
      events: FULL_SPEED_EVENTS,
      sandbox_limits_lifted: true,
      prefetch: Number(PREFETCH),
    };
  } finally {
    for (const publisher of publishers) await publisher.close();
    await floor?.stop();
    await stopService();
    await dropAmqpNames(names, floorNames);
    await database.drop();
  }
}
