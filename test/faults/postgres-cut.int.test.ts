import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { notifyingEvents, openFaultHarness, type FaultHarness } from './support/fault-harness.ts';

let h: FaultHarness;
beforeAll(async () => {
  h = await openFaultHarness('pg-cut', { postgres: true });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('PostgreSQL cut off while events flow', () => {
  it('costs a pause: the process survives, and every event is recorded once and sent once', async () => {
    const proxy = h.pgProxy!;
    // The issue ran 2,000 events; 300 keep all three stages (intake, planning, sending) busy when
    // the cut lands, half of them arriving during the cut, and keep the test short.
    const before = notifyingEvents(150);
    const during = notifyingEvents(150);
    const pausesBefore = h.log.count(/ledger unavailable; pausing consumption/);

    // Given events flowing over AMQP through the intake, the planner and the dispatcher
    await h.publish(before);
    await until(async () => (await h.recorded()) >= 50, { what: 'the stream under way' });

    // When every PostgreSQL connection is cut, and more events arrive meanwhile
    proxy.cut();
    await h.publish(during);
    // The outage lasts until every loop has met it: the intake paused and failed a probe after a
    // backoff, and connections were tried again and refused (a few seconds, as in a failover).
    await until(() => h.log.count(/ledger unavailable; pausing consumption/) > pausesBefore, { what: 'the intake to pause', timeoutMs: 15_000 });
    await until(() => h.log.count(/ledger probe failed/) >= 2 && proxy.refused >= 5, { what: 'failed probes and refused reconnections', timeoutMs: 15_000 });
    expect(h.log.count(/PostgreSQL connection lost/)).toBeGreaterThan(0);

    // Then, once PostgreSQL is reachable again, the intake resumes within its 2 s backoff cap
    const recordedAtReopen = await h.recorded();
    proxy.reopen();
    await until(async () => (await h.recorded()) > recordedAtReopen, { what: 'the intake to resume after the proxy reopened', timeoutMs: 8_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    const { notifications } = await h.untilEachRecordedAndSentOnce([...before, ...during], 45_000);
    expect(notifications).toBeGreaterThanOrEqual(300);
  }, 90_000);
});
