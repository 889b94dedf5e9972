import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RecordInbound } from '../../src/intake/amqp-intake-consumer.ts';
import { deadLetterRecorder } from '../../src/commands/inbound/record-dead-letter.ts';
import { REJECTION_KIND_HEADER, REJECTION_REASON_HEADER } from '../../src/intake/dead-letter.ts';
import { ledgerRecorder } from '../../src/intake/ledger-recorder.ts';
import { LedgerUnavailable } from '../../src/ledger/event-store.ts';
import { UPSTREAM_TYPES, validEnvelope, type RawEnvelope } from '../support/envelopes.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { until } from '../support/until.ts';
import { closeConnectionsNamed, metricValue, openIntakeHarness, type IntakeHarness } from './support/intake-harness.ts';

let h: IntakeHarness;
let databaseUrl = '';
beforeAll(async () => {
  h = await openIntakeHarness('recovery');
  databaseUrl = h.databaseUrl;
});
afterEach(async () => {
  await h.stopConsumers();
});
afterAll(async () => {
  await h?.close();
});

const mixed = (count: number): RawEnvelope[] =>
  Array.from({ length: count }, (_, i) => validEnvelope(UPSTREAM_TYPES[i % UPSTREAM_TYPES.length]!));

async function untilAllRecordedOnce(envelopes: RawEnvelope[], timeoutMs = 20_000): Promise<void> {
  const ids = new Set(envelopes.map((e) => e.eventId));
  await until(async () => {
    const received = (await h.ledgerEvents()).filter((e) => e.type === 'InboundEventReceived' && ids.has((e.data as { eventId: string }).eventId));
    return received.length >= ids.size;
  }, { what: `${ids.size} events recorded`, timeoutMs });
  await until(async () => (await h.readyCount()) === 0, { what: 'an empty queue' });
  const counts = new Map<string, number>();
  for (const e of await h.ledgerEvents()) {
    const eventId = (e.data as { eventId?: string }).eventId;
    if (e.type === 'InboundEventReceived' && eventId !== undefined && ids.has(eventId)) counts.set(eventId, (counts.get(eventId) ?? 0) + 1);
  }
  expect(counts.size).toBe(ids.size);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}

describe('the AMQP intake consumer, when things fail', () => {
  it('acks a message redelivered after a crash between append and ack as a duplicate', async () => {
    // Given a consumer process that dies right after appending, before acking
    const envelope = validEnvelope('appointment.rescheduled');
    await h.publisher.publishEnvelopes([envelope]);
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/crashing-consumer.ts', import.meta.url))], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        AMQP_URL: TEST_AMQP_URL,
        CONNECTION_NAME: `${h.connectionName}:crashing`,
        INTAKE_TOPOLOGY: JSON.stringify(h.topology),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const exit = await Promise.race([exited, until(() => false, { what: 'the consumer process to crash', timeoutMs: 20_000 })]).finally(() => child.kill('SIGKILL'));

    // When it has crashed, the event is in the ledger and the message is back in the queue
    expect(exit).toBe('SIGKILL');
    expect(await h.receipts(envelope.eventId)).toEqual({ received: 1, duplicates: 0 });
    await until(async () => (await h.readyCount()) === 1, { what: 'the unacked message back in the queue' });

    // Then a restarted consumer acks the redelivery as a duplicate and the ledger holds the event once
    const duplicatesBefore = await metricValue(h.registry, 'intake_duplicates_total');
    const consumer = h.consumer();
    await consumer.start();
    await until(async () => (await metricValue(h.registry, 'intake_duplicates_total')) === duplicatesBefore + 1, { what: 'the duplicate' });
    await until(async () => (await h.readyCount()) === 0 && consumer.inFlight === 0, { what: 'the ack' });
    expect(await h.receipts(envelope.eventId)).toEqual({ received: 1, duplicates: 1 });
    await consumer.stop();
  });

  it('reconnects after the broker drops its connection and records every event exactly once', async () => {
    // Given a consumer working through a stream of events
    const reconnectsBefore = await metricValue(h.registry, 'intake_reconnects_total');
    const consumer = h.consumer();
    await consumer.start();
    // Enough that the stream is still flowing when the broker gets round to closing the connection.
    const envelopes = mixed(3000);
    const publishing = h.publisher.publishEnvelopes(envelopes);
    await until(async () => (await metricValue(h.registry, 'intake_events_recorded_total')) >= 100, { what: 'the stream under way' });

    // When the broker closes the consumer's connection (only ours: other files share the broker)
    expect(await closeConnectionsNamed(h.connectionName)).toBe(1);
    expect(await publishing).toMatchObject({ confirmed: 3000, unroutable: 0 });

    // Then the consumer reconnects and every event is recorded exactly once
    await until(async () => (await metricValue(h.registry, 'intake_reconnects_total')) > reconnectsBefore, { what: 'the consumer to reconnect' });
    await untilAllRecordedOnce(envelopes);
    await consumer.stop();
  });

  it('pauses while the ledger is unavailable, acks nothing meanwhile, and records everything once it is back', async () => {
    // Given a ledger that refuses every append, and a probe that says so
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    let isDown = true;
    let attemptsWhileDown = 0;
    const record: RecordInbound = async (envelope, via) => {
      if (isDown) {
        attemptsWhileDown++;
        throw new LedgerUnavailable('the ledger is down for this test');
      }
      return inner(envelope, via);
    };
    const probeLedger = async () => {
      if (isDown) throw new LedgerUnavailable('still down');
    };
    const pausesBefore = await metricValue(h.registry, 'intake_ledger_pauses_total');
    const consumer = h.consumer({ record, probeLedger, prefetch: 10 });
    await consumer.start();
    const envelopes = mixed(40);
    const ledgerBefore = (await h.ledgerEvents()).length;

    // When events arrive
    await h.publisher.publishEnvelopes(envelopes);

    // Then the consumer pauses with every message back in the queue, unacked, and nothing recorded
    await until(async () => (await metricValue(h.registry, 'intake_ledger_pauses_total')) > pausesBefore, { what: 'a pause' });
    await until(async () => (await h.readyCount()) === 40 && consumer.inFlight === 0, { what: 'all 40 messages back in the queue' });
    const attemptsAtPause = attemptsWhileDown;
    // While the probe keeps failing, no message is taken again: the consumer does not spin.
    await until(async () => (await metricValue(h.registry, 'intake_messages_received_total')) > 0 && h.log.lines.filter((l) => l.includes('ledger probe failed')).length >= 3, { what: 'three failed probes' });
    expect(attemptsWhileDown).toBe(attemptsAtPause);
    expect(attemptsWhileDown).toBeLessThanOrEqual(10);
    expect(await h.readyCount()).toBe(40);
    expect((await h.ledgerEvents()).length).toBe(ledgerBefore);

    // When the ledger is back, every event is recorded exactly once
    isDown = false;
    await untilAllRecordedOnce(envelopes);
    await consumer.stop();
  });

  it('dead-letters a message whose handling throws at once, records that with no personal data, and keeps consuming', async () => {
    // Given a ledger path that overflows the stack on one event only, and one that is fine for the rest
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    const poison = validEnvelope('appointment.confirmed');
    const record: RecordInbound = async (envelope, via) => {
      if (envelope.eventId === poison.eventId) throw new RangeError(`Maximum call stack size exceeded near ${poison.eventId}`);
      return inner(envelope, via);
    };
    const pausesBefore = await metricValue(h.registry, 'intake_ledger_pauses_total');
    const consumer = h.consumer({ record, recordDeadLetter: deadLetterRecorder(h.store, h.clock) });
    await consumer.start();
    h.log.lines.length = 0;

    // When it arrives between two valid events
    const before = validEnvelope('lab.test_requested');
    const after = validEnvelope('billing.bill_generated');
    await h.publisher.publishEnvelopes([before, poison, after]);

    // Then it is dead-lettered with the error class alone, the others are recorded, and nothing paused
    await untilAllRecordedOnce([before, after]);
    const letters = await until(async () => {
      const taken = await h.takeDeadLetters();
      return taken.length > 0 ? taken : null;
    }, { what: 'the dead letter' });
    expect(letters).toHaveLength(1);
    expect(letters[0]!.properties.headers?.[REJECTION_REASON_HEADER]).toBe('unprocessable: RangeError');
    expect(letters[0]!.properties.headers?.[REJECTION_KIND_HEADER]).toBe('unprocessable');
    expect(await metricValue(h.registry, 'intake_ledger_pauses_total')).toBe(pausesBefore);
    expect(await h.receipts(poison.eventId)).toEqual({ received: 0, duplicates: 0 });
    const records = (await h.ledgerEvents()).filter((e) => e.type === 'EventDeadLettered');
    expect(records).toHaveLength(1);
    expect(records[0]!.data).toMatchObject({ reason: 'unprocessable: RangeError', kind: 'unprocessable', routingKey: 'appointment.confirmed', via: 'amqp' });
    // The publisher's message id (the eventId) and the body's hash, never the body's contents
    expect(records[0]!.data).toMatchObject({ messageId: poison.eventId, bodySha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    for (const personal of ['+91', '@example.com', 'Asha']) expect(JSON.stringify(records[0]!.data)).not.toContain(personal);
    await consumer.stop();
  });

  it('pauses, and dead-letters nothing, when the ledger connection is reset', async () => {
    // Given a ledger whose connection resets once, the way pg reports it
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    let resets = 1;
    const record: RecordInbound = async (envelope, via) => {
      if (resets-- > 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      return inner(envelope, via);
    };
    const pausesBefore = await metricValue(h.registry, 'intake_ledger_pauses_total');
    const consumer = h.consumer({ record });
    await consumer.start();
    const envelopes = mixed(3);

    // When events arrive
    await h.publisher.publishEnvelopes(envelopes);

    // Then the consumer paused, and every event is recorded once it resumes; no dead letter
    await untilAllRecordedOnce(envelopes);
    expect(await metricValue(h.registry, 'intake_ledger_pauses_total')).toBe(pausesBefore + 1);
    expect(await h.takeDeadLetters()).toHaveLength(0);
    await consumer.stop();
  });

  it('stops gracefully: finishes and acks what is in flight, takes nothing new', async () => {
    // Given a consumer with five messages held inside a slow ledger
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = 0;
    const record: RecordInbound = async (envelope, via) => {
      entered++;
      await gate;
      return inner(envelope, via);
    };
    const consumer = h.consumer({ record });
    await consumer.start();
    const first = mixed(5);
    await h.publisher.publishEnvelopes(first);
    await until(() => entered === 5, { what: 'five messages in flight' });

    // When it is asked to stop, and the ledger then answers
    const stopping = consumer.stop();
    const later = mixed(3);
    await h.publisher.publishEnvelopes(later);
    release();
    await stopping;

    // Then the five are recorded and acked, and the three published meanwhile wait in the queue
    for (const e of first) expect(await h.receipts(e.eventId)).toEqual({ received: 1, duplicates: 0 });
    expect(entered).toBe(5);
    expect(await h.readyCount()).toBe(3);
    for (const e of later) expect(await h.receipts(e.eventId)).toEqual({ received: 0, duplicates: 0 });

    // And a new consumer picks them up
    const next = h.consumer();
    await next.start();
    await untilAllRecordedOnce(later);
    await next.stop();
  });
});
