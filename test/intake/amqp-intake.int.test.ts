import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ENVELOPE_BYTES } from '../../src/domain/intake/envelope.ts';
import type { RecordInbound } from '../../src/intake/amqp-intake-consumer.ts';
import { REJECTION_KIND_HEADER, REJECTION_REASON_HEADER } from '../../src/intake/dead-letter.ts';
import { ledgerRecorder } from '../../src/intake/ledger-recorder.ts';
import { patient, secondPatient, UPSTREAM_TYPES, validEnvelope, type RawEnvelope } from '../support/envelopes.ts';
import { publishAndWait } from '../support/publish.ts';
import { until } from '../support/until.ts';
import { metricValue, openIntakeHarness, type IntakeHarness } from './support/intake-harness.ts';

let h: IntakeHarness;
beforeAll(async () => {
  h = await openIntakeHarness('intake');
});
afterEach(async () => {
  await h.stopConsumers();
});
afterAll(async () => {
  await h?.close();
});

const publish = (envelopes: RawEnvelope[]) => h.publisher.publishEnvelopes(envelopes);
const recordedOnce = async (eventId: string) => (await h.receipts(eventId)).received === 1;

/** The longest header value amqplib still encodes (its table buffer is 64 KiB), found by bisection. */
async function largestHeaderValue(): Promise<string> {
  const channel = await h.adminConnection.createChannel();
  const fits = (length: number) => {
    try {
      // The default exchange drops a message for a queue that does not exist: nothing is delivered.
      channel.publish('', `nowhere.${randomUUID()}`, Buffer.from('{}'), { headers: { 'x-trace': 'a'.repeat(length) } });
      return true;
    } catch {
      return false;
    }
  };
  let low = 1;
  let high = 128 * 1024;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  await channel.close();
  return 'a'.repeat(low);
}

async function untilQueueSettled(): Promise<void> {
  await until(async () => (await h.readyCount()) === 0 && (await metricValue(h.registry, 'intake_messages_in_flight')) === 0, {
    what: 'the queue to be empty and nothing in flight',
  });
}

describe('the AMQP intake consumer', () => {
  it('records every upstream event type once and acks it', async () => {
    // Given a running consumer
    const consumer = h.consumer();
    await consumer.start();
    const envelopes = UPSTREAM_TYPES.map((type) => validEnvelope(type));

    // When one valid envelope of each of the 20 upstream types is published
    await publishAndWait(h.publisher, envelopes, recordedOnce);

    // Then each is in its inbound stream exactly once, and the queue is empty
    await untilQueueSettled();
    for (const e of envelopes) expect(await h.receipts(e.eventId)).toEqual({ received: 1, duplicates: 0 });
    const ids = new Set(envelopes.map((e) => e.eventId));
    const recorded = (await h.ledgerEvents()).filter((e) => e.type === 'InboundEventReceived' && ids.has((e.data as { eventId: string }).eventId));
    expect(recorded.map((e) => (e.data as { type: string }).type).sort()).toEqual([...UPSTREAM_TYPES].sort());
    await consumer.stop();
  });

  const bad = (mutate: (e: RawEnvelope) => void, type: (typeof UPSTREAM_TYPES)[number] = 'appointment.confirmed'): RawEnvelope => {
    const envelope = validEnvelope(type);
    mutate(envelope);
    return envelope;
  };
  const json = (e: RawEnvelope) => JSON.stringify(e);

  it.each([
    { name: 'a body that is not JSON', routingKey: 'appointment.confirmed', body: '{"eventId": "his:1", ', kind: 'not-json', reason: 'not-json: body is not UTF-8 JSON' },
    { name: 'a body that is not UTF-8', routingKey: 'appointment.confirmed', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), kind: 'not-json', reason: 'not-json' },
    { name: 'a JSON array', routingKey: 'appointment.confirmed', body: '[{"eventId":"his:1"}]', kind: 'invalid-envelope', reason: 'body must be a JSON object' },
    { name: 'an envelope without occurredAt', routingKey: 'appointment.confirmed', body: json(bad((e) => Reflect.deleteProperty(e, 'occurredAt'))), kind: 'invalid-envelope', reason: 'occurredAt' },
    { name: 'an eventId with a control character', routingKey: 'appointment.confirmed', body: json(bad((e) => void (e.eventId = 'his:\n1'))), kind: 'invalid-envelope', reason: 'eventId: must not contain control characters' },
    { name: 'an unknown type', routingKey: 'appointment.teleported', body: json(bad((e) => void (e.type = 'appointment.teleported'))), kind: 'unknown-type', reason: 'unknown-type: type: is not an event type this service accepts' },
    { name: 'a type generated here (appointment.reminder)', routingKey: 'appointment.reminder', body: json(bad((e) => Object.assign(e, { type: 'appointment.reminder', data: { ...e.data, offset: '24h' } }))), kind: 'unknown-type', reason: 'unknown-type: type' },
    { name: 'a type generated here (walkin.approaching_turn)', routingKey: 'walkin.approaching_turn', body: json(bad((e) => void (e.type = 'walkin.approaching_turn'), 'walkin.token_called')), kind: 'unknown-type', reason: 'unknown-type: type' },
    { name: 'a malformed phone', routingKey: 'appointment.confirmed', body: json(bad((e) => void (e.data.patient = { ...patient, phone: 'call-me-later' }))), kind: 'invalid-payload', reason: 'invalid-payload: data.patient.phone: must be an E.164 phone number' },
    { name: 'a missing token room', routingKey: 'walkin.token_called', body: json(bad((e) => void (e.data.token = { number: 'A-1' }), 'walkin.token_called')), kind: 'invalid-payload', reason: 'data.token.room' },
    { name: 'a bad amount inside a fan-out', routingKey: 'doctor.emergency_leave', body: json(bad((e) => void ((e.data.affected as { refund: unknown }[])[1]!.refund = { amount: '12.345', currency: 'INR' }), 'doctor.emergency_leave')), kind: 'invalid-payload', reason: 'data.affected[1].refund.amount' },
    { name: 'a routing key other than the type', routingKey: 'billing.bill_generated', body: json(validEnvelope('appointment.confirmed')), kind: 'routing-key-mismatch', reason: 'routing-key-mismatch: type: does not match the routing key' },
    { name: 'an unknown routing key', routingKey: 'legacy.something', body: json(validEnvelope('lab.test_requested')), kind: 'routing-key-mismatch', reason: 'routing-key-mismatch' },
    { name: 'a message over 1 MiB', routingKey: 'appointment.confirmed', body: json(bad((e) => void (e.data.notes = 'x'.repeat(MAX_ENVELOPE_BYTES)))), kind: 'too-large', reason: 'too-large: message is over 1048576 bytes' },
    { name: 'a NUL character the ledger cannot store', routingKey: 'appointment.confirmed', body: json(bad((e) => void (e.data.notes = 'a\u0000b'))), kind: 'ledger-refused', reason: 'ledger-refused: invalid-event' },
  ])('dead-letters $name with a readable reason and leaves the ledger unchanged', async ({ routingKey, body, kind, reason }) => {
    // Given a running consumer and the ledger as it is
    const consumer = h.consumer();
    await consumer.start();
    const before = (await h.ledgerEvents()).length;
    const messageId = `msg-${randomUUID()}`;

    // When the bad message is published
    const report = await h.publisher.publishRaw([{ routingKey, body, properties: { messageId, headers: { 'x-source': 'his' } } }]);
    expect(report).toMatchObject({ confirmed: 1, unroutable: 0 });

    // Then it lands in the dead-letter queue with its reason, and nothing was recorded
    const [dead] = await until(async () => {
      const taken = await h.takeDeadLetters();
      return taken.length > 0 ? taken : null;
    }, { what: 'the dead letter' });
    await untilQueueSettled();
    const headers = dead!.properties.headers ?? {};
    expect(headers[REJECTION_KIND_HEADER]).toBe(kind);
    expect(String(headers[REJECTION_REASON_HEADER])).toContain(reason);
    expect(String(headers[REJECTION_REASON_HEADER])).not.toContain('call-me-later');
    expect(headers['x-source']).toBe('his');
    expect(headers['x-original-routing-key']).toBe(routingKey);
    expect(dead!.fields.routingKey).toBe(routingKey);
    expect(dead!.properties).toMatchObject({ messageId, contentType: 'application/json', deliveryMode: 2 });
    expect(dead!.content.equals(typeof body === 'string' ? Buffer.from(body) : body)).toBe(true);
    expect((await h.ledgerEvents()).length).toBe(before);
    await consumer.stop();
  });

  it('dead-letters a message whose headers cannot be copied, without them', async () => {
    // Given a message carrying the largest headers table the client can send
    const consumer = h.consumer();
    await consumer.start();
    const largest = await largestHeaderValue();
    const body = JSON.stringify(validEnvelope('appointment.confirmed'));

    // When it is published under the wrong routing key
    await h.publisher.publishRaw([{ routingKey: 'appointment.completed', body, properties: { headers: { 'x-trace': largest } } }]);

    // Then its copy in the dead-letter queue has the reason, and says the original headers were dropped
    const [dead] = await until(async () => {
      const taken = await h.takeDeadLetters();
      return taken.length > 0 ? taken : null;
    }, { what: 'the dead letter' });
    const headers = dead!.properties.headers ?? {};
    expect(headers[REJECTION_KIND_HEADER]).toBe('routing-key-mismatch');
    expect(headers['x-original-headers-dropped']).toBeTruthy();
    expect(headers['x-trace']).toBeUndefined();
    expect(dead!.content.toString()).toBe(body);
    await untilQueueSettled();
  });

  it('records an eventId published 50 times concurrently once', async () => {
    // Given a running consumer
    const consumer = h.consumer();
    await consumer.start();
    const envelope = validEnvelope('clinical.report_ready');
    const duplicatesBefore = await metricValue(h.registry, 'intake_duplicates_total');

    // When the same envelope is published 50 times at once
    const reports = await Promise.all(Array.from({ length: 50 }, () => publish([{ ...envelope }])));
    expect(reports.every((r) => r.confirmed === 1)).toBe(true);

    // Then it is recorded once and the 49 repeats are acked as duplicates
    await until(async () => {
      const r = await h.receipts(envelope.eventId);
      return r.received + r.duplicates === 50;
    }, { what: '50 receipts' });
    await untilQueueSettled();
    expect(await h.receipts(envelope.eventId)).toEqual({ received: 1, duplicates: 49 });
    expect((await metricValue(h.registry, 'intake_duplicates_total')) - duplicatesBefore).toBe(49);
    await consumer.stop();
  });

  it('records an eventId published 50 times once with two consumers on the queue', async () => {
    // Given two consumers (two connections) on the same queue
    const seen = { first: 0, second: 0 };
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    const counting = (which: keyof typeof seen): RecordInbound => (envelope, via) => {
      seen[which]++;
      return inner(envelope, via);
    };
    const first = h.consumer({ record: counting('first') });
    const second = h.consumer({ record: counting('second'), connectionName: `${h.connectionName}:second` });
    await first.start();
    await second.start();
    const envelope = validEnvelope('billing.bill_generated');

    // When the same envelope is published 50 times at once
    await Promise.all(Array.from({ length: 50 }, () => publish([{ ...envelope }])));

    // Then both consumers took some, and it is recorded once
    await until(async () => {
      const r = await h.receipts(envelope.eventId);
      return r.received + r.duplicates === 50;
    }, { what: '50 receipts' });
    await untilQueueSettled();
    expect(await h.receipts(envelope.eventId)).toEqual({ received: 1, duplicates: 49 });
    expect(seen.first).toBeGreaterThan(0);
    expect(seen.second).toBeGreaterThan(0);
    expect(seen.first + seen.second).toBe(50);
    await first.stop();
    await second.stop();
  });

  it('never records more than prefetch messages at once', async () => {
    // Given a consumer at prefetch 10 whose ledger is slow enough for messages to pile up
    const inner = ledgerRecorder(h.store, { clock: h.clock });
    let current = 0;
    let highest = 0;
    const record: RecordInbound = async (envelope, via) => {
      current++;
      highest = Math.max(highest, current);
      try {
        await new Promise((resolve) => setImmediate(resolve));
        return await inner(envelope, via);
      } finally {
        current--;
      }
    };
    const consumer = h.consumer({ record, prefetch: 10 });
    await consumer.start();
    const envelopes = Array.from({ length: 300 }, (_, i) => validEnvelope(UPSTREAM_TYPES[i % UPSTREAM_TYPES.length]!));

    // When 300 events are published at once
    await publish(envelopes);

    // Then all are recorded, never more than 10 at a time, and more than one at a time
    await until(async () => {
      const all = await h.ledgerEvents();
      const ids = new Set(envelopes.map((e) => e.eventId));
      return all.filter((e) => e.type === 'InboundEventReceived' && ids.has((e.data as { eventId: string }).eventId)).length === 300;
    }, { what: '300 events recorded', timeoutMs: 20_000 });
    await untilQueueSettled();
    expect(highest).toBeLessThanOrEqual(10);
    expect(highest).toBeGreaterThan(1);
    await consumer.stop();
  });

  /** Publishes a message the intake must dead-letter (a malformed phone) and waits until it has. */
  async function publishDeadLetter(): Promise<void> {
    const body = json(bad((e) => void (e.data.patient = { ...patient, phone: 'call-me-later' })));
    await h.publisher.publishRaw([{ routingKey: 'appointment.confirmed', body, properties: { messageId: `msg-${randomUUID()}` } }]);
    await until(async () => ((await h.takeDeadLetters()).length > 0 ? true : null), { what: 'the dead letter' });
  }

  const counters = async () => ({
    received: await metricValue(h.registry, 'intake_messages_received_total'),
    recorded: await metricValue(h.registry, 'intake_events_recorded_total'),
    duplicates: await metricValue(h.registry, 'intake_duplicates_total', { payload_matches: 'true' }),
    deadLettered: await metricValue(h.registry, 'intake_dead_lettered_total'),
    invalidPayload: await metricValue(h.registry, 'intake_dead_lettered_total', { reason: 'invalid-payload' }),
  });

  it('counts what it received, recorded, ignored and dead-lettered', async () => {
    // Given a running consumer and the counters as they are
    const consumer = h.consumer();
    await consumer.start();
    const before = await counters();
    const [first, second] = [validEnvelope('appointment.confirmed'), validEnvelope('lab.test_requested')];

    // When two events are published, then one of them again, then a message with a malformed phone
    await publishAndWait(h.publisher, [first, second], recordedOnce);
    await publishAndWait(h.publisher, [first], async (eventId) => (await h.receipts(eventId)).duplicates === 1);
    await publishDeadLetter();
    await untilQueueSettled();

    // Then each counter moved by what this test sent, and nothing is left in flight
    const after = await counters();
    expect({
      received: after.received - before.received,
      recorded: after.recorded - before.recorded,
      duplicates: after.duplicates - before.duplicates,
      deadLettered: after.deadLettered - before.deadLettered,
      invalidPayload: after.invalidPayload - before.invalidPayload,
    }).toEqual({ received: 4, recorded: 2, duplicates: 1, deadLettered: 1, invalidPayload: 1 });
    expect(await metricValue(h.registry, 'intake_messages_in_flight')).toBe(0);
    // A wrong ack (an unknown or repeated delivery tag) closes the channel; the dedup would hide it.
    expect(await metricValue(h.registry, 'intake_reconnects_total')).toBe(0);
    expect(await metricValue(h.registry, 'intake_ledger_pauses_total')).toBe(0);
    await consumer.stop();
  });

  it('logs ids and reasons, never names, phones or emails', async () => {
    // Given a running consumer and the log as it is
    const consumer = h.consumer();
    await consumer.start();
    const from = h.log.lines.length;
    const envelope = validEnvelope('doctor.emergency_leave');

    // When an event is published twice, and a message with a malformed phone once
    await publishAndWait(h.publisher, [envelope], recordedOnce);
    await publishAndWait(h.publisher, [envelope], async (eventId) => (await h.receipts(eventId)).duplicates === 1);
    await publishDeadLetter();
    await untilQueueSettled();

    // Then the log names the duplicate and the reason, and no patient detail in clear
    const lines = h.log.lines.slice(from);
    // The schema's own example number may appear in a reason; the patient's details may not.
    const text = lines.join('\n').replaceAll('such as +919876543210', '');
    expect(lines.some((l) => l.includes('"message dead-lettered"') && l.includes('"reason"'))).toBe(true);
    expect(lines.some((l) => l.includes('"duplicate event ignored"') && l.includes(envelope.eventId))).toBe(true);
    for (const secret of [patient.name, patient.phone, patient.email, secondPatient.name, secondPatient.phone, 'call-me-later', 'Meera']) expect(text).not.toContain(secret);
    await consumer.stop();
  });
});
