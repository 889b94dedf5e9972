import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { notifyingEvents, openFaultHarness, type FaultHarness } from './support/fault-harness.ts';

// One service for the three faults, reaching PostgreSQL and RabbitMQ each through its own proxy:
// a service per fault would cost more start-up than the faults themselves. The issue ran 2,000
// events per fault; 300 keep intake, planning and sending busy when the fault lands, half of them
// arriving during it, and keep the suite short. Each fault is healed before the next one starts.
// Each fault runs twice: with the AMQP intake in the service's thread (the default) and on a thread
// of its own (INTAKE_THREAD=true), which has its own connections to both.
let h: FaultHarness;

/** Given events flowing over AMQP: the first half published, and the intake under way with it. */
async function flowing() {
  const before = notifyingEvents(150);
  const during = notifyingEvents(150);
  const recordedBefore = await h.recorded();
  await h.publish(before);
  await until(async () => (await h.recorded()) >= recordedBefore + 50, { what: 'the stream under way' });
  return { before, during, all: [...before, ...during] };
}

const paused = /ledger unavailable; pausing consumption/;
const probeFailed = /ledger probe failed/;

describe.each([
  { where: "in the service's thread", intakeThread: false },
  { where: 'on a thread of its own', intakeThread: true },
])('the service, with the AMQP intake $where, when its connections fail while events flow', ({ intakeThread }) => {
  beforeAll(async () => {
    h = await openFaultHarness(intakeThread ? 'faults-thread' : 'faults', { postgres: true, rabbitmq: true }, { intakeThread });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('RabbitMQ cut mid-stream costs a pause: the intake reconnects, every event is recorded once and sent once', async () => {
    const proxy = h.amqpProxy!;
    const { during, all } = await flowing();
    const [lostBefore, reconnectedBefore, refusedBefore] = [h.log.count(/broker session lost|broker unreachable/), h.log.count(/reconnected to the broker/), proxy.refused];

    // When the service's broker connection is cut (the publisher reaches the broker directly), and
    // stays cut until the intake has tried to reconnect and been refused twice
    proxy.cut();
    await h.publish(during);
    await until(() => proxy.refused >= refusedBefore + 2, { what: 'refused reconnections', timeoutMs: 15_000 });
    expect(h.log.count(/broker session lost|broker unreachable/)).toBeGreaterThan(lostBefore);

    // Then, once the broker is reachable again, the intake reconnects
    proxy.reopen();
    await until(() => h.log.count(/reconnected to the broker/) > reconnectedBefore, { what: 'the intake to reconnect', timeoutMs: 15_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    expect((await h.untilEachRecordedAndSentOnce(all, 45_000)).notifications).toBeGreaterThanOrEqual(300);
  }, 90_000);

  it('PostgreSQL cut for a few seconds costs a pause: the process survives, every event is recorded once and sent once', async () => {
    const proxy = h.pgProxy!;
    const { during, all } = await flowing();
    const [pausesBefore, probesBefore, lostBefore, refusedBefore] = [h.log.count(paused), h.log.count(probeFailed), h.log.count(/PostgreSQL connection lost/), proxy.refused];

    // When every PostgreSQL connection is cut, and more events arrive meanwhile; the cut lasts until
    // every loop has met it: the intake paused and failed two probes after its backoff, and
    // connections were tried again and refused (a few seconds, as in a failover)
    proxy.cut();
    await h.publish(during);
    await until(() => h.log.count(paused) > pausesBefore, { what: 'the intake to pause', timeoutMs: 15_000 });
    await until(() => h.log.count(probeFailed) >= probesBefore + 2 && proxy.refused >= refusedBefore + 5, { what: 'failed probes and refused reconnections', timeoutMs: 15_000 });
    expect(h.log.count(/PostgreSQL connection lost/)).toBeGreaterThan(lostBefore);

    // Then, once PostgreSQL is reachable again, the intake resumes within its 2 s backoff cap
    const recordedAtReopen = await h.recorded();
    proxy.reopen();
    await until(async () => (await h.recorded()) > recordedAtReopen, { what: 'the intake to resume after the proxy reopened', timeoutMs: 8_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    expect((await h.untilEachRecordedAndSentOnce(all, 45_000)).notifications).toBeGreaterThanOrEqual(300);
  }, 90_000);

  it('PostgreSQL silent (packets accepted, never answered) costs a pause: our timeouts fire, then every event is recorded once and sent once', async () => {
    const proxy = h.pgProxy!;
    const { during, all } = await flowing();
    const timedOut = /Query read timeout|due to connection timeout|timeout exceeded when trying to connect/;
    const [pausesBefore, probesBefore, timeoutsBefore] = [h.log.count(paused), h.log.count(probeFailed), h.log.count(timedOut)];

    // When PostgreSQL stops answering: connections stay open, nothing comes back
    proxy.silence();
    await h.publish(during);

    // Then our timeouts fire instead of the service hanging (PG_QUERY_TIMEOUT_MS and
    // PG_CONNECT_TIMEOUT_MS are 2 s and 1 s here): the intake pauses, its probes fail, and the
    // projections and the dispatcher meet pg's own timeouts; the silence lasts until they have
    await until(() => h.log.count(paused) > pausesBefore, { what: 'the intake to pause', timeoutMs: 15_000 });
    await until(() => h.log.count(probeFailed) >= probesBefore + 2, { what: 'two failed probes', timeoutMs: 20_000 });
    await until(() => h.log.count(timedOut) > timeoutsBefore, { what: 'a PostgreSQL timeout', timeoutMs: 10_000 });

    // And once PostgreSQL answers new connections again (those silenced stay silent for good, as
    // after a failover), the intake resumes within its backoff cap
    const recordedAtReopen = await h.recorded();
    proxy.reopen();
    await until(async () => (await h.recorded()) > recordedAtReopen, { what: 'the intake to resume after the silence', timeoutMs: 8_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    expect((await h.untilEachRecordedAndSentOnce(all, 45_000)).notifications).toBeGreaterThanOrEqual(300);

    // And no connection left silent is handed out again: calls in a row all answer
    for (const db of [h.service.db, h.service.connection.db]) {
      await until(async () => {
        for (let i = 0; i < 10; i++) await sql`select 1`.execute(db);
        return true;
      }, { what: 'ten calls in a row answered', timeoutMs: 15_000 });
    }
  }, 90_000);
});
