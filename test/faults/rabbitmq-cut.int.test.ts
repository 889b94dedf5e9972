import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../support/until.ts';
import { notifyingEvents, openFaultHarness, type FaultHarness } from './support/fault-harness.ts';

let h: FaultHarness;
beforeAll(async () => {
  h = await openFaultHarness('amqp-cut', { rabbitmq: true });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('RabbitMQ cut off mid-stream', () => {
  it('costs a pause: the intake reconnects, and every event is recorded once and sent once', async () => {
    const proxy = h.amqpProxy!;
    // 300 events, half published while the service cannot reach the broker (the issue ran 2,000).
    const before = notifyingEvents(150);
    const during = notifyingEvents(150);

    // Given events flowing over AMQP
    await h.publish(before);
    await until(async () => (await h.recorded()) >= 50, { what: 'the stream under way' });

    // When the service's broker connection is cut (the publisher's is not: it reaches the broker
    // directly), and stays cut until the intake has tried to reconnect and been refused twice
    proxy.cut();
    await h.publish(during);
    await until(() => proxy.refused >= 2, { what: 'refused reconnections', timeoutMs: 15_000 });
    expect(h.log.count(/broker session lost; reconnecting|broker unreachable; retrying/)).toBeGreaterThan(0);

    // Then, once the broker is reachable again, the intake reconnects
    proxy.reopen();
    await until(() => h.log.count(/reconnected to the broker/) > 0, { what: 'the intake to reconnect', timeoutMs: 15_000 });

    // And every event is recorded once, every notification sent once (or marked a possible duplicate)
    const { notifications } = await h.untilEachRecordedAndSentOnce([...before, ...during], 45_000);
    expect(notifications).toBeGreaterThanOrEqual(300);
  }, 90_000);
});
