import { setTimeout as delay } from 'node:timers/promises';
import amqp from 'amqplib';
import type { SandboxTransport } from '../src/channels/sandbox-transport.ts';
import { loadConfig } from '../src/config.ts';
import { PATIENT_CHANNELS, type PatientEventType } from '../src/domain/event-catalogue.ts';
import { notificationIdFor } from '../src/domain/plan-notifications.ts';
import { AmqpPublisher } from '../src/intake/amqp-publisher.ts';
import { startService } from '../src/service.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { uniqueAmqpNames } from '../test/support/amqp-names.ts';
import { validEnvelope, type RawEnvelope, type UpstreamEventType } from '../test/support/envelopes.ts';
import { createBenchDatabase } from './support/bench-database.ts';
import { stageLatencies } from './support/e2e-stages.ts';
import { cpuBetween, describeCpu, sampleCpu } from './support/process-cpu.ts';
import { percentile, rawInsertRate, rawKeysetReadRate } from './support/raw-baselines.ts';

const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const FULL_SPEED_EVENTS = Number(process.env.E2E_EVENTS ?? 10_000);
const STEADY_RATE = Number(process.env.E2E_STEADY_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.E2E_STEADY_SECONDS ?? 10);
// The service's default unless asked: how many unacked messages the intake takes at once bounds
// how much it can batch into one commit, and so the whole pipeline's rate.
const PREFETCH = String(process.env.E2E_PREFETCH ?? 10);
const TYPES: (PatientEventType & UpstreamEventType)[] = ['appointment.pending_approval', 'appointment.confirmed', 'appointment.cancelled', 'walkin.token_called', 'clinical.report_ready'];

/**
 * publish over AMQP -> intake -> ledger -> planner -> dispatcher -> sandbox transport call, on the
 * real PostgreSQL and RabbitMQ, at full speed and at a steady 500 events/s. Sandbox rate limits are
 * lifted: this measures the service, not Meta's per-number limit.
 */
export async function run(): Promise<Record<string, number | string | boolean>> {
  const database = await createBenchDatabase('e2e');
  const names = uniqueAmqpNames('bench-e2e');
  console.log('Baselines: raw pg single-row inserts and keyset reads...');
  const rawInsert = await rawInsertRate(database.url);
  const rawRead = await rawKeysetReadRate(database.url);
  console.log(`  raw insert ${Math.round(rawInsert)}/s, keyset read ${Math.round(rawRead)}/s`);

  const unlimited = { concurrency: 64, perSecond: 1_000_000 };
  console.log(`Starting the service (sandbox channels, rate limits lifted, intake prefetch ${PREFETCH})...`);
  const service = await startService(
    loadConfig({ DATABASE_URL: database.url, AMQP_URL, ...names, AMQP_PREFETCH: PREFETCH, API_TOKENS: `bench:admin:${'b'.repeat(32)}`, CHANNELS_SANDBOX: 'all', LOG_LEVEL: 'silent' }),
    { logger: silentLogger(), port: 0, dispatcher: { limits: { whatsapp: unlimited, email: unlimited }, claimBatch: 200, pollIntervalMs: 100 } },
  );
  const publisher = await AmqpPublisher.open({ url: AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'bench-e2e:publisher' });

  const publishedAt = new Map<string, number>();
  const latencies: number[] = [];
  let sends = 0;
  let lastSendAt = 0;
  for (const channel of ['whatsapp', 'email'] as const) {
    (service.transports[channel] as SandboxTransport).onSent((message) => {
      const at = performance.now();
      const start = publishedAt.get(message.notificationId);
      if (start !== undefined) {
        latencies.push(at - start);
        publishedAt.delete(message.notificationId);
      }
      sends++;
      lastSendAt = at;
    });
  }
  const expect = (raw: RawEnvelope, at: number) => {
    const channels = PATIENT_CHANNELS[raw.type as PatientEventType];
    for (const channel of channels) publishedAt.set(notificationIdFor(raw.eventId, 'pat-1', channel), at);
    return channels.length;
  };
  const waitForSends = async (count: number, what: string) => {
    const deadline = Date.now() + 300_000;
    while (sends < count) {
      if (Date.now() > deadline) throw new Error(`${what}: only ${sends} of ${count} sends arrived`);
      await delay(20);
    }
  };

  try {
    console.log(`Full speed: ${FULL_SPEED_EVENTS} events...`);
    let expected = 0;
    const fullStart = performance.now();
    const cpuBefore = sampleCpu();
    for (let i = 0; i < FULL_SPEED_EVENTS; i += 500) {
      const batch = Array.from({ length: Math.min(500, FULL_SPEED_EVENTS - i) }, (_, j) => validEnvelope(TYPES[(i + j) % TYPES.length]!));
      const at = performance.now();
      for (const raw of batch) expected += expect(raw, at);
      await publisher.publishEnvelopes(batch);
    }
    await waitForSends(expected, 'full speed');
    const fullSeconds = (lastSendAt - fullStart) / 1000;
    const eventsPerSecond = FULL_SPEED_EVENTS / fullSeconds;
    console.log(`  ${Math.round(eventsPerSecond)} events/s end to end (${expected} sends in ${fullSeconds.toFixed(1)} s)`);
    // The publisher runs in this process too, and counts as the service here.
    console.log(`  ${describeCpu(cpuBetween(cpuBefore, sampleCpu()), FULL_SPEED_EVENTS, 'event')}`);

    console.log(`Steady: ${STEADY_RATE} events/s for ${STEADY_SECONDS} s...`);
    latencies.length = 0;
    const before = sends;
    let steadyExpected = 0;
    const steadyStart = performance.now();
    const ticks = STEADY_SECONDS * 10;
    const confirms: Promise<unknown>[] = [];
    const steadyEventIds: string[] = [];
    for (let tick = 0; tick < ticks; tick++) {
      const due = steadyStart + tick * 100;
      const wait = due - performance.now();
      if (wait > 0) await delay(wait);
      const batch = Array.from({ length: Math.round(STEADY_RATE / 10) }, (_, j) => validEnvelope(TYPES[(tick + j) % TYPES.length]!));
      const at = performance.now();
      for (const raw of batch) {
        steadyExpected += expect(raw, at);
        steadyEventIds.push(raw.eventId);
      }
      confirms.push(publisher.publishEnvelopes(batch));
    }
    await Promise.all(confirms);
    await waitForSends(before + steadyExpected, 'steady');
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    console.log(`  p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms over ${sorted.length} sends`);
    const stages = await stageLatencies(service.db, steadyEventIds);
    console.log(
      `  of which recorded -> planned p50 ${stages.recordedToPlanned.p50} ms (p99 ${stages.recordedToPlanned.p99}), ` +
        `planned -> attempt started p50 ${stages.plannedToAttempt.p50} ms (p99 ${stages.plannedToAttempt.p99}); the rest is intake before and the send after`,
    );
    return {
      events_per_s: Math.round(eventsPerSecond),
      [`p50_ms_at_${STEADY_RATE}`]: Number(p50.toFixed(1)),
      [`p99_ms_at_${STEADY_RATE}`]: Number(p99.toFixed(1)),
      raw_insert_per_s: Math.round(rawInsert),
      raw_keyset_read_per_s: Math.round(rawRead),
      events: FULL_SPEED_EVENTS,
      sandbox_limits_lifted: true,
      prefetch: Number(PREFETCH),
    };
  } finally {
    await publisher.close();
    await service.stop();
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    for (const queue of [names.AMQP_QUEUE!, names.AMQP_DEAD_LETTER_QUEUE!]) await channel.deleteQueue(queue).catch(() => undefined);
    for (const exchange of [names.AMQP_EXCHANGE!, names.AMQP_DEAD_LETTER_EXCHANGE!]) await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close();
    await database.drop();
  }
}
