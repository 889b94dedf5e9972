import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { consumerBackoffMs } from '../../src/intake/backoff.ts';
import { classifyDelivery, rejectionReason } from '../../src/intake/classify-delivery.ts';
import { deadLetterOptions } from '../../src/intake/dead-letter.ts';
import { parseEnvelopeInput } from '../../src/intake/envelope-input.ts';
import { queueArguments, resolveTopology } from '../../src/intake/topology.ts';
import { validEnvelope } from '../support/envelopes.ts';

const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('classifying a delivery', () => {
  it('accepts a valid envelope whose routing key is its type', () => {
    const e = validEnvelope('lab.test_requested');
    expect(classifyDelivery(bytes(e), 'lab.test_requested')).toMatchObject({ ok: true, value: { eventId: e.eventId } });
  });

  it('refuses a valid envelope under another routing key', () => {
    const result = classifyDelivery(bytes(validEnvelope('lab.test_requested')), 'lab.#');
    expect(result).toMatchObject({ ok: false, error: { kind: 'routing-key-mismatch' } });
  });

  it('names at most ten issues in a reason and counts the rest', () => {
    const issues = Array.from({ length: 25 }, (_, i) => ({ path: `data.affected[${i}].refund.amount`, message: 'must be a decimal string' }));
    const reason = rejectionReason({ kind: 'invalid-payload', issues });
    expect(reason).toContain('data.affected[9].refund.amount');
    expect(reason).not.toContain('data.affected[10]');
    expect(reason.endsWith('; and 15 more')).toBe(true);
  });

  it('keeps a reason under 2000 characters', () => {
    const reason = rejectionReason({ kind: 'invalid-payload', issues: [{ path: 'data.x', message: 'y'.repeat(5000) }] });
    expect(reason.length).toBeLessThanOrEqual(2000);
  });
});

describe('backing off', () => {
  const options = { initialMs: 100, maxMs: 30_000 };

  it.each([
    [0, 100],
    [1, 200],
    [5, 3200],
    [40, 30_000],
  ])('waits anything from nothing up to the whole step at attempt %i', (attempt, step) => {
    expect(consumerBackoffMs(attempt, { ...options, random: () => 0 })).toBe(0);
    expect(consumerBackoffMs(attempt, { ...options, random: () => 0.5 })).toBe(step / 2);
    expect(consumerBackoffMs(attempt, { ...options, random: () => 1 })).toBe(step);
  });
});

describe('reading the publish command input', () => {
  it('takes a JSON array', () => {
    expect(parseEnvelopeInput('[{"a":1},{"a":2}]')).toEqual({ ok: true, value: [{ a: 1 }, { a: 2 }] });
  });

  it('takes one JSON object, even spread over lines', () => {
    expect(parseEnvelopeInput('{\n  "a": 1\n}\n')).toEqual({ ok: true, value: [{ a: 1 }] });
  });

  it('takes JSON lines and skips blank ones', () => {
    expect(parseEnvelopeInput('{"a":1}\n\n{"a":2}\r\n')).toEqual({ ok: true, value: [{ a: 1 }, { a: 2 }] });
  });

  it('names the line that is not JSON', () => {
    expect(parseEnvelopeInput('{"a":1}\n{"a":\n')).toEqual({ ok: false, error: 'line 2 is not valid JSON' });
  });

  it('refuses a bare number', () => {
    expect(parseEnvelopeInput('42')).toMatchObject({ ok: false });
  });
});

describe('the dead-letter copy of a message', () => {
  const message = {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'clinic.events', routingKey: 'appointment.confirmed', consumerTag: 'c' },
    properties: {
      contentType: 'application/json', contentEncoding: undefined, headers: { 'x-source': 'his' }, deliveryMode: 2, priority: undefined,
      correlationId: 'corr-1', replyTo: undefined, expiration: '60000', messageId: 'his:1', timestamp: 1795600000, type: undefined,
      userId: 'guest', appId: 'his', clusterId: undefined,
    },
  } satisfies ConsumeMessage;

  it('keeps the original properties and headers, and adds the reason and where it came from', () => {
    expect(deadLetterOptions(message, 'invalid-payload', 'invalid-payload: data.patient.phone: must be E.164')).toEqual({
      persistent: true,
      contentType: 'application/json',
      correlationId: 'corr-1',
      messageId: 'his:1',
      timestamp: 1795600000,
      appId: 'his',
      headers: {
        'x-source': 'his',
        'x-rejection-reason': 'invalid-payload: data.patient.phone: must be E.164',
        'x-rejection-kind': 'invalid-payload',
        'x-original-exchange': 'clinic.events',
        'x-original-routing-key': 'appointment.confirmed',
      },
    });
  });
});

describe('the queue arguments', () => {
  it('give a quorum queue its delivery limit and at-least-once dead-lettering', () => {
    expect(queueArguments(resolveTopology())).toEqual({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': 'clinic.events.dlx',
      'x-delivery-limit': 50,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
  });

  it('give a classic queue only its type and dead-letter exchange', () => {
    expect(queueArguments(resolveTopology({ queueType: 'classic', deadLetterExchange: 'dlx' }))).toEqual({
      'x-queue-type': 'classic',
      'x-dead-letter-exchange': 'dlx',
    });
  });
});
