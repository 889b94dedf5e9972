import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { notifyingEvents, openFaultHarness, type FaultHarness } from './support/fault-harness.ts';

let h: FaultHarness;
beforeAll(async () => {
  h = await openFaultHarness('pg-silent', { postgres: true });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('PostgreSQL silent (packets accepted, never answered) while events flow', () => {
  it('costs a pause: our timeouts fire, and every event is then recorded once and sent once', async () => {
    const proxy = h.pgProxy!;
    // 300 events, half of them published into the silence: enough to have every stage waiting on
    // PostgreSQL when it goes quiet (the issue ran 2,000).
    const before = notifyingEvents(150);
    const during = notifyingEvents(150);
    const pausesBefore = h.log.count(/ledger unavailable; pausing consumption/);

    // Given events flowing over AMQP
    await h.publish(before);
    await until(async () => (await h.recorded()) >= 50, { what: 'the stream under way' });

    // When PostgreSQL stops answering: connections stay open, nothing comes back
    proxy.silence();
    await h.publish(during);

    // Then our timeouts fire instead of the service hanging: the intake pauses and its probes fail
    // (each ends on a query or connection timeout, with PG_QUERY_TIMEOUT_MS and
    // PG_CONNECT_TIMEOUT_MS set to 2 s and 1 s); the silence lasts until they have.
    await until(() => h.log.count(/ledger unavailable; pausing consumption/) > pausesBefore, { what: 'the intake to pause', timeoutMs: 15_000 });
    await until(() => h.log.count(/ledger probe failed/) >= 2, { what: 'two failed probes', timeoutMs: 20_000 });
    // pg's own timeouts, not only the intake's: the projections and the dispatcher wait on them.
    await until(() => h.log.count(/Query read timeout|due to connection timeout|timeout exceeded when trying to connect/) > 0, { what: 'a PostgreSQL timeout', timeoutMs: 10_000 });

    // And once PostgreSQL answers new connections again (those silenced stay silent for good, as
    // after a failover), the intake resumes within its backoff cap
    const recordedAtReopen = await h.recorded();
    proxy.reopen();
    await until(async () => (await h.recorded()) > recordedAtReopen, { what: 'the intake to resume after the silence', timeoutMs: 8_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    const { notifications } = await h.untilEachRecordedAndSentOnce([...before, ...during], 45_000);
    expect(notifications).toBeGreaterThanOrEqual(300);

    // And no connection left silent is handed out again: once each pool has met and dropped its
    // own, calls in a row all answer (a pool lends its last returned connection first, so a kept
    // one would fail every call after it).
    for (const db of [h.service.db, h.service.connection.db]) {
      await until(async () => {
        for (let i = 0; i < 10; i++) await sql`select 1`.execute(db);
        return true;
      }, { what: 'ten calls in a row answered', timeoutMs: 15_000 });
    }
  }, 90_000);
});
