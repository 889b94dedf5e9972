import { describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { UPSTREAM_EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { UPSTREAM_TYPES, validEnvelope } from '../support/envelopes.ts';

describe('the envelope fixtures', () => {
  it('cover exactly the upstream types of the catalogue', () => {
    expect([...UPSTREAM_TYPES].sort()).toEqual([...UPSTREAM_EVENT_TYPES].sort());
  });

  it.each(UPSTREAM_TYPES)('give a valid %s envelope', (type) => {
    const parsed = parseEnvelope(validEnvelope(type));
    expect(parsed).toMatchObject({ ok: true, value: { type } });
  });

  it('give each call its own eventId and its own objects', () => {
    const a = validEnvelope('walkin.queue_updated');
    const b = validEnvelope('walkin.queue_updated');
    expect(a.eventId).not.toBe(b.eventId);
    expect(a.data).not.toBe(b.data);
    expect(a.data).toEqual(b.data);
  });
});
