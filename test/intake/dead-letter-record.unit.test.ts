import { describe, expect, it } from 'vitest';
import { deadLetteredEvent } from '../../src/domain/intake/dead-letter-events.ts';
import { categoryOf, streamName } from '../../src/domain/stream-name.ts';
import { unprocessableReason } from '../../src/intake/dead-letter.ts';

describe('the reason of an unprocessable message', () => {
  it('names the error class and nothing else: no message, no stack', () => {
    expect(unprocessableReason(new RangeError('Maximum call stack size exceeded at +919876543210'))).toBe('unprocessable: RangeError');
    class DatabaseError extends Error {
      override name = 'error';
    }
    expect(unprocessableReason(new DatabaseError('value "asha@example.com" violates check'))).toBe('unprocessable: DatabaseError');
    expect(unprocessableReason('a thrown string')).toBe('unprocessable: string');
  });
});

describe('the EventDeadLettered record', () => {
  const message = {
    body: Buffer.from('{"eventId":"his:1","data":{"patient":{"phone":"+919876543210"}}}'),
    routingKey: 'appointment.confirmed',
    messageId: 'his:1',
    kind: 'invalid-payload',
    reason: 'invalid-payload: data.patient.phone: must be an E.164 phone number',
    via: 'amqp' as const,
  };

  it('keeps the size and hash of the body, never its contents', () => {
    const { event } = deadLetteredEvent(message, new Date('2026-11-24T09:30:00Z'));
    expect(event).toEqual({
      reason: message.reason,
      kind: 'invalid-payload',
      routingKey: 'appointment.confirmed',
      messageId: 'his:1',
      sizeBytes: message.body.byteLength,
      bodySha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      receivedAt: '2026-11-24T09:30:00.000Z',
      via: 'amqp',
    });
    expect(JSON.stringify(event)).not.toContain('+91');
  });

  it('names the same stream for a redelivery of the same message, and another for another message', () => {
    const first = deadLetteredEvent(message, new Date('2026-11-24T09:30:00Z'));
    const again = deadLetteredEvent(message, new Date('2026-11-24T09:31:00Z'));
    const other = deadLetteredEvent({ ...message, messageId: 'his:2' }, new Date('2026-11-24T09:30:00Z'));
    expect(again.id).toBe(first.id);
    expect(other.id).not.toBe(first.id);
    expect(categoryOf(streamName.deadLetter(first.id))).toBe('dead-letter');
  });
});
