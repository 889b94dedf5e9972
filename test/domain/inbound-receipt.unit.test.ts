import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/intake/envelope.ts';
import {
  DUPLICATE_IGNORED,
  INBOUND_RECEIVED,
  canonicalJson,
  decideInbound,
  evolveInbound,
  hashPayload,
  initialInboundState,
  type InboundDecision,
  type InboundState,
} from '../../src/domain/intake/inbound-receipt.ts';

describe('the payload hash that tells a true repeat from a reused event id', () => {
  const payload = {
    type: 'appointment.confirmed' as const,
    occurredAt: '2026-11-24T09:30:00Z',
    data: { patient: { name: 'Asha', id: 'p-1', tags: ['b', 'a', { z: 1, y: null }] }, 'ä': 1, a: 2 },
  };

  it('is the hash already recorded in ledgers for the same payload', () => {
    // Receipts in existing ledgers carry this hash: a repeat must still compare equal to them.
    expect(hashPayload(payload)).toBe('6c7c9f3ce62a00e102a2d2566bfff2d64c8e26a1f1490fcabbded0f30f598c49');
  });

  it('does not depend on the order keys were sent in, at any depth', () => {
    const reordered = {
      occurredAt: payload.occurredAt,
      data: { a: 2, 'ä': 1, patient: { tags: ['b', 'a', { y: null, z: 1 }], id: 'p-1', name: 'Asha' } },
      type: payload.type,
    };
    expect(hashPayload(reordered)).toBe(hashPayload(payload));
    expect(hashPayload({ ...payload, data: { ...payload.data, a: 3 } })).not.toBe(hashPayload(payload));
  });

  it('writes sorted keys, skips undefined members and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [3, 1, { y: 'x"y', x: null }], '10': true, '9': false })).toBe(
      '{"10":true,"9":false,"b":1,"c":[3,1,{"x":null,"y":"x\\"y"}]}',
    );
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
  });
});

describe('deciding what an inbound event is', () => {
  const windowMs = 5 * 60_000;
  const firstAt = new Date('2026-11-24T09:00:00Z');
  const envelope = {
    eventId: 'evt-1',
    type: 'appointment.confirmed',
    occurredAt: '2026-11-24T08:59:00Z',
    data: { patient: { id: 'p-1' } },
  } as unknown as Envelope;
  const later = (ms: number): Date => new Date(firstAt.getTime() + ms);

  /** Given: the stream of the event id after each decision was recorded, folded as the command does. */
  const given = (...decisions: InboundDecision[]): InboundState =>
    decisions.reduce(
      (state, d) => evolveInbound(state, { type: d.kind === 'accept' ? INBOUND_RECEIVED : DUPLICATE_IGNORED, data: d.event }),
      initialInboundState,
    );
  const first = decideInbound(initialInboundState, envelope, firstAt, windowMs, 'amqp');

  it('given an event id never seen, when it arrives, then it is accepted with its payload and hash', () => {
    expect(first).toEqual({
      kind: 'accept',
      event: { ...envelope, receivedAt: firstAt.toISOString(), via: 'amqp', payloadHash: hashPayload(envelope) },
    });
  });

  it.each([
    ['the same payload', envelope, 1, true],
    ['the same payload, 1 ms before the window ends', envelope, windowMs - 1, true],
    ['another payload under the same id', { ...envelope, data: { patient: { id: 'p-2' } } }, 1_000, false],
  ] as const)('given an accepted event, when %s arrives again within the window, then it is a duplicate whose payload matches: %s', (_what, repeat, afterMs, matches) => {
    expect(decideInbound(given(first), repeat as Envelope, later(afterMs), windowMs, 'http')).toEqual({
      kind: 'duplicate',
      event: { receivedAt: later(afterMs).toISOString(), via: 'http', payloadMatches: matches },
    });
  });

  it.each([
    ['as the window ends', windowMs],
    ['a day later', 24 * 3_600_000],
  ])('given an accepted event, when it arrives again %s, then it is a new receipt', (_when, afterMs) => {
    expect(decideInbound(given(first), envelope, later(afterMs), windowMs, 'graphql')).toMatchObject({
      kind: 'accept',
      event: { receivedAt: later(afterMs).toISOString(), via: 'graphql' },
    });
  });

  it('given an event accepted again after its window, when it repeats, then the window counts from the last receipt', () => {
    const again = decideInbound(given(first), envelope, later(windowMs), windowMs, 'amqp');
    expect(decideInbound(given(first, again), envelope, later(windowMs + 1_000), windowMs, 'amqp')).toMatchObject({ kind: 'duplicate' });
  });

  it('given a duplicate was noted, when the event repeats, then the window still counts from the accepted receipt', () => {
    const duplicate = decideInbound(given(first), envelope, later(windowMs - 1_000), windowMs, 'amqp');
    const state = given(first, duplicate);
    expect(state).toMatchObject({ receipts: 1, duplicates: 1 });
    expect(decideInbound(state, envelope, later(windowMs), windowMs, 'amqp')).toMatchObject({ kind: 'accept' });
  });
});

describe('the keyed payload hash', () => {
  const key = Buffer.alloc(32, 9);
  const windowMs = 5 * 60_000;
  const at = new Date('2026-11-24T09:00:00Z');
  const envelope = {
    eventId: 'evt-k', type: 'appointment.confirmed', occurredAt: '2026-11-24T08:59:00Z',
    data: { patient: { id: 'p-1', name: 'Asha Verma', phone: '+919876543210' } },
  } as unknown as Envelope;
  const recorded = (payloadHash: string): InboundState => ({ ...initialInboundState, lastAcceptedAt: at, payloadHash, receipts: 1 });
  const repeat = (e: Envelope, key?: Buffer) => decideInbound(recorded(hashPayload(envelope, key)), e, new Date(at.getTime() + 1000), windowMs, 'amqp', key);

  it('is an HMAC under the key, written k1:, equal for equal payloads and not the plain SHA-256', () => {
    expect(hashPayload(envelope, key)).toMatch(/^k1:[0-9a-f]{64}$/);
    expect(hashPayload(envelope, key)).toBe(hashPayload({ ...envelope }, key));
    expect(hashPayload(envelope, key).slice(3)).not.toBe(hashPayload(envelope));
    expect(hashPayload(envelope, Buffer.alloc(32, 8))).not.toBe(hashPayload(envelope, key));
  });

  it('still tells a repeat from a changed phone, and compares a receipt hashed before keys by its own hash', () => {
    const changed = { ...envelope, data: { patient: { id: 'p-1', name: 'Asha Verma', phone: '+919876500000' } } } as unknown as Envelope;
    expect(repeat(envelope, key)).toMatchObject({ kind: 'duplicate', event: { payloadMatches: true } });
    expect(repeat(changed, key)).toMatchObject({ kind: 'duplicate', event: { payloadMatches: false } });
    // Recorded unkeyed (before this release), received keyed now.
    expect(decideInbound(recorded(hashPayload(envelope)), envelope, new Date(at.getTime() + 1000), windowMs, 'amqp', key)).toMatchObject({ event: { payloadMatches: true } });
    expect(decideInbound(recorded(hashPayload(envelope)), changed, new Date(at.getTime() + 1000), windowMs, 'amqp', key)).toMatchObject({ event: { payloadMatches: false } });
  });
});
