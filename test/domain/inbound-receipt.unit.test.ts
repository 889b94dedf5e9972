import { describe, expect, it } from 'vitest';
import { canonicalJson, hashPayload } from '../../src/domain/inbound-receipt.ts';

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
