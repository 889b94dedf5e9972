import { randomUUID } from 'node:crypto';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REJECTION_KIND_HEADER, REJECTION_REASON_HEADER } from '../../src/intake/dead-letter.ts';
import { declareTopology } from '../../src/intake/topology.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { realClock } from '../support/clock.ts';
import { localMidnight, slotAfter, slotPlus } from '../support/slots.ts';
import { centre, doctor, type RawEnvelope, envelopesOn } from '../support/envelopes.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { uniqueTopology } from './support/intake-harness.ts';
import { deleteTopology } from '../support/amqp-names.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

/**
 * One table of bad messages, each sent over AMQP and over POST /events to the running service. A
 * bad one is dead-lettered with a reason naming its field (or answered 400), leaves no receipt, and
 * costs no pause: a valid event sent right after it is recorded well within the consumer's first
 * ledger backoff, which this service has at 10 s with no jitter (a pause would hold it that long).
 */
const LEDGER_BACKOFF_MS = 10_000;
const NEXT_EVENT_BOUND_MS = 4_000;
const THROWING_PREFIX = 'his:throws-';

const topology = uniqueTopology('poison');
let service: TestService;
let connection: ChannelModel;
let admin: Channel;
let publisher: ConfirmChannel;
/** Dead letters taken from the queue so far, by the message id each case published with. */
const deadLetters = new Map<string, { reason: string; kind: string }>();

beforeAll(async () => {
  connection = await amqp.connect(TEST_AMQP_URL);
  admin = await connection.createChannel();
  publisher = await connection.createConfirmChannel();
  await declareTopology(admin, topology);
  service = await startTestService({
    env: {
      AMQP_URL: TEST_AMQP_URL,
      AMQP_EXCHANGE: topology.exchange,
      AMQP_QUEUE: topology.queue,
      AMQP_DEAD_LETTER_EXCHANGE: topology.deadLetterExchange,
      AMQP_DEAD_LETTER_QUEUE: topology.deadLetterQueue,
    },
    dispatch: false,
    schedule: false,
    intake: {
      ledgerBackoff: { initialMs: LEDGER_BACKOFF_MS, maxMs: LEDGER_BACKOFF_MS, random: () => 1 },
      beforeRecord: (envelope) => {
        if (envelope.eventId.startsWith(THROWING_PREFIX)) throw new RangeError(`Maximum call stack size exceeded (${envelope.eventId})`);
      },
    },
  });
});

afterAll(async () => {
  await service?.stop();
  if (admin) await deleteTopology(admin, topology);
  await connection?.close().catch(() => undefined);
});

/** JSON text of `envelope` with `raw` (JSON text too deep for JSON.stringify) at `key` of the envelope or of its data. */
function withRaw(envelope: RawEnvelope, where: 'envelope' | 'data', key: string, raw: string): Buffer {
  const marker = '"__raw_value__"';
  const shaped = where === 'data' ? { ...envelope, data: { ...envelope.data, [key]: '__raw_value__' } } : { ...envelope, [key]: '__raw_value__' };
  return Buffer.from(JSON.stringify(shaped).replace(marker, raw));
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const deeply = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;
const edit = (envelope: RawEnvelope, change: (data: Record<string, unknown>) => void): RawEnvelope => {
  change(envelope.data);
  return envelope;
};

/** A doctor.emergency_leave with `count` affected appointments, fields kept short so 2,000 fit in 1 MiB. */
function emergencyLeave(count: number): RawEnvelope {
  const slot = slotAfter(realClock, { days: 2 });
  const affected = Array.from({ length: count }, (_, i) => ({
    appointment: { id: `a${i}`, bookingReference: `B${i}`, ...slot, status: 'confirmed' },
    patient: { id: `p${i}`, name: `P${i}`, phone: `+9198${String(i).padStart(8, '0')}` },
    refund: { amount: '100.00', currency: 'INR' },
    rescheduleLink: `https://c.in/r/${i}`,
  }));
  return validEnvelope('doctor.emergency_leave', {
    data: { doctor, centre, leave: { from: localMidnight(slot.slotDate), until: localMidnight(slotPlus(slot, { days: 1 }).slotDate) }, affected },
  });
}

interface PoisonCase {
  name: string;
  /** A fresh body each time: every door gets its own eventId. */
  body: () => { body: Buffer; routingKey: string };
  /** Part of the x-rejection-reason: the kind and the field it names. */
  reason: string;
  /** What POST /events answers; absent when the case only exists on AMQP (a routing key). */
  httpStatus?: number;
  /** Accepted rather than refused. */
  isValid?: boolean;
}

const envelopeCase = (envelope: () => RawEnvelope) => () => {
  const e = envelope();
  return { body: json(e), routingKey: e.type };
};

const CASES: PoisonCase[] = [
  { name: 'not JSON', body: () => ({ body: Buffer.from('{"eventId": "his:1", oops'), routingKey: 'appointment.confirmed' }), reason: 'not-json', httpStatus: 400 },
  {
    name: 'invalid UTF-8',
    body: () => ({ body: Buffer.concat([Buffer.from('{"eventId":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), routingKey: 'appointment.confirmed' }),
    reason: 'not-json: body is not UTF-8 JSON',
    httpStatus: 400,
  },
  { name: 'an array', body: () => ({ body: json([validEnvelope('appointment.confirmed')]), routingKey: 'appointment.confirmed' }), reason: 'invalid-envelope: body must be a JSON object', httpStatus: 400 },
  { name: 'null', body: () => ({ body: Buffer.from('null'), routingKey: 'appointment.confirmed' }), reason: 'invalid-envelope: body must be a JSON object', httpStatus: 400 },
  { name: 'a string', body: () => ({ body: json('appointment.confirmed'), routingKey: 'appointment.confirmed' }), reason: 'invalid-envelope: body must be a JSON object', httpStatus: 400 },
  {
    name: 'nesting 10,000 deep in data',
    body: () => ({ body: withRaw(validEnvelope('appointment.confirmed'), 'data', 'deep', deeply(10_000)), routingKey: 'appointment.confirmed' }),
    reason: 'over-limit: data.deep[0][0]',
    httpStatus: 400,
  },
  {
    name: 'nesting 10,000 deep in an unknown extra field',
    body: () => ({ body: withRaw(validEnvelope('appointment.confirmed'), 'envelope', 'trace', deeply(10_000)), routingKey: 'appointment.confirmed' }),
    reason: 'over-limit: trace[0][0]',
    httpStatus: 400,
  },
  {
    name: '200,000 array elements',
    body: envelopeCase(() => edit(validEnvelope('walkin.queue_updated'), (d) => void (d.history = new Array<number>(200_000).fill(0)))),
    reason: 'over-limit: data.history: holds more than 50000 array elements in all',
    httpStatus: 400,
  },
  {
    name: 'a 900 KiB string',
    body: envelopeCase(() => edit(validEnvelope('clinical.report_ready'), (d) => void (d.notes = 'n'.repeat(900 * 1024)))),
    reason: 'over-limit: data.notes: is longer than 65536 characters',
    httpStatus: 400,
  },
  {
    name: 'an unknown type',
    body: () => ({ body: json({ ...validEnvelope('appointment.confirmed'), type: 'appointment.teleported' }), routingKey: 'appointment.teleported' }),
    reason: 'unknown-type: type',
    httpStatus: 400,
  },
  {
    name: 'a routing key that disagrees with the type',
    body: () => ({ body: json(validEnvelope('appointment.confirmed')), routingKey: 'appointment.cancelled' }),
    reason: 'routing-key-mismatch: type',
  },
  {
    name: 'a generated type',
    body: () => ({ body: json({ ...validEnvelope('appointment.confirmed'), type: 'appointment.reminder' }), routingKey: 'appointment.reminder' }),
    reason: 'unknown-type: type',
    httpStatus: 400,
  },
  {
    name: 'a bad E.164 number',
    body: envelopeCase(() => edit(validEnvelope('appointment.confirmed'), (d) => void (d.patient = { ...(d.patient as object), phone: '98765 43210' }))),
    reason: 'invalid-payload: data.patient.phone',
    httpStatus: 400,
  },
  {
    name: 'a bad email address',
    body: envelopeCase(() => edit(validEnvelope('appointment.confirmed'), (d) => void (d.patient = { ...(d.patient as object), email: 'asha at example' }))),
    reason: 'invalid-payload: data.patient.email',
    httpStatus: 400,
  },
  {
    name: 'a bad money amount',
    body: envelopeCase(() => edit(validEnvelope('billing.bill_generated'), (d) => void (d.bill = { ...(d.bill as object), amount: '12.345' }))),
    reason: 'invalid-payload: data.bill.amount',
    httpStatus: 400,
  },
  {
    name: 'a bad slot time',
    body: envelopeCase(() => edit(validEnvelope('appointment.confirmed'), (d) => void (d.appointment = { ...(d.appointment as object), slotTime: '25:61' }))),
    reason: 'invalid-payload: data.appointment.slotTime',
    httpStatus: 400,
  },
  {
    name: 'doctor.emergency_leave with 0 affected',
    body: envelopeCase(() => emergencyLeave(0)),
    reason: 'invalid-payload: data.affected',
    httpStatus: 400,
  },
  {
    name: 'a message whose handling throws',
    body: envelopeCase(() => validEnvelope('lab.test_requested', { eventId: `${THROWING_PREFIX}${randomUUID()}` })),
    reason: 'unprocessable: RangeError',
    httpStatus: 500,
  },
  { name: 'a valid doctor.emergency_leave with 2,000 affected', body: envelopeCase(() => emergencyLeave(2_000)), reason: '', httpStatus: 202, isValid: true },
];

const eventIdOf = (body: Buffer): string | null => {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { eventId?: unknown };
    return typeof parsed?.eventId === 'string' ? parsed.eventId : null;
  } catch {
    return null;
  }
};

async function receipts(eventId: string): Promise<number> {
  return (await readStreamToArray(service.store, streamName.inbound(eventId))).filter((e) => e.type === 'InboundEventReceived').length;
}

async function ledgerCount(type: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ledger_events where event_type = ${type}`.execute(service.connection.db);
  return Number(rows[0]!.n);
}

async function publish(body: Buffer, routingKey: string, messageId: string): Promise<void> {
  publisher.publish(topology.exchange, routingKey, body, { messageId, persistent: true, contentType: 'application/json' });
  await publisher.waitForConfirms();
}

async function deadLetterFor(messageId: string): Promise<{ reason: string; kind: string }> {
  return until(async () => {
    for (;;) {
      const message = await admin.get(topology.deadLetterQueue, { noAck: true });
      if (message === false) break;
      const headers = message.properties.headers ?? {};
      deadLetters.set(String(message.properties.messageId), { reason: String(headers[REJECTION_REASON_HEADER]), kind: String(headers[REJECTION_KIND_HEADER]) });
    }
    return deadLetters.get(messageId);
  }, { what: `the dead letter of ${messageId}`, timeoutMs: 5_000 });
}

async function postEvent(body: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/events', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST_TOKEN}` },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the poison battery', () => {
  let accepted = 0;

  it.each(CASES.map((c, i) => [c.name, c, i] as const))('over AMQP, %s: handled alone, and the next event goes straight through', async (_name, c, index) => {
    // Given the running consumer, and the ledger as it stands
    const receivedBefore = await ledgerCount('InboundEventReceived');
    const messageId = `case-${index}`;
    const { body, routingKey } = c.body();
    const eventId = eventIdOf(body);

    // When the case is published, then a valid event right after it
    await publish(body, routingKey, messageId);
    const next = validEnvelope('lab.test_requested');
    await publish(json(next), next.type, `next-${index}`);

    // Then the valid event is recorded well before the consumer could have paused and resumed
    await until(async () => (await receipts(next.eventId)) === 1, { what: `the event after "${c.name}"`, timeoutMs: NEXT_EVENT_BOUND_MS });
    if (c.isValid) {
      await until(async () => eventId !== null && (await receipts(eventId)) === 1, { what: 'the valid case recorded' });
      accepted++;
      expect(await ledgerCount('InboundEventReceived')).toBe(receivedBefore + 2);
    } else {
      // The bad one is in the dead-letter queue with a reason naming its field, and left no receipt
      const letter = await deadLetterFor(messageId);
      expect(letter.reason).toContain(c.reason);
      if (eventId !== null) expect(await receipts(eventId)).toBe(0);
      expect(await ledgerCount('InboundEventReceived')).toBe(receivedBefore + 1);
    }
    accepted++;
    // And the consumer never stopped consuming
    expect((await admin.checkQueue(topology.queue)).consumerCount).toBe(1);
  });

  it('recorded each AMQP dead letter in the ledger, and nothing else arrived in the dead-letter queue', async () => {
    const refused = CASES.filter((c) => !c.isValid).length;
    expect(await ledgerCount('EventDeadLettered')).toBe(refused);
    expect(deadLetters.size).toBe(refused);
    expect(await ledgerCount('InboundEventReceived')).toBe(accepted);
  });

  it.each(CASES.filter((c) => c.httpStatus !== undefined).map((c) => [c.name, c] as const))('over POST /events, %s: answered as the contract says, and a refused one records nothing', async (_name, c) => {
    const receivedBefore = await ledgerCount('InboundEventReceived');
    const { body } = c.body();
    const eventId = eventIdOf(body);

    const answer = await postEvent(body);

    expect(answer.status).toBe(c.httpStatus);
    if (c.isValid) {
      expect(answer.body).toMatchObject({ outcome: 'accepted' });
      expect(await ledgerCount('InboundEventReceived')).toBe(receivedBefore + 1);
      return;
    }
    if (answer.status === 500) {
      expect(answer.body).toEqual({ error: 'internal', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    } else {
      const rejection = answer.body.error as { kind: string; issues: { path: string; message: string }[] };
      const described = `${rejection.kind}: ${rejection.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
      expect(described).toContain(c.reason);
    }
    if (eventId !== null) expect(await receipts(eventId)).toBe(0);
    expect(await ledgerCount('InboundEventReceived')).toBe(receivedBefore);
  });
});
