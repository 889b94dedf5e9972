import { describe, expect, it } from 'vitest';
import { parseEnvelope, parseEnvelopeBytes } from '../../src/domain/intake/envelope.ts';
import { canonicalJson, hashPayload } from '../../src/domain/intake/inbound-receipt.ts';
import { ENVELOPE_LIMITS, findJsonLimitViolation } from '../../src/domain/intake/json-limits.ts';
import { maskContactsDeep, maskContactsInText } from '../../src/domain/mask-contacts-deep.ts';
import { validEnvelope } from '../support/envelopes.ts';

/** `levels` containers nested in one another: the outermost counts as level 1. */
function nested(levels: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { n: value } : [value];
  return value;
}

const { maxDepth, maxArrayElements, maxKeys, maxStringLength } = ENVELOPE_LIMITS;

describe('the limits on what a received document may hold', () => {
  it('are the ones the intake contract names', () => {
    expect(ENVELOPE_LIMITS).toEqual({ maxDepth: 32, maxArrayElements: 50_000, maxKeys: 100_000, maxStringLength: 65_536 });
  });

  it('accept nesting exactly at the depth limit and refuse one level more, naming where', () => {
    expect(findJsonLimitViolation(nested(maxDepth))).toBeNull();
    const over = findJsonLimitViolation({ deep: nested(maxDepth) });
    expect(over?.message).toBe('nests deeper than 32 levels');
    expect(over?.path).toHaveLength(maxDepth);
    expect(over?.path.slice(0, 3)).toEqual(['deep', 0, 'n']);
  });

  it('refuse a document nested 10,000 deep without recursing', () => {
    let value: unknown = null;
    for (let i = 0; i < 10_000; i++) value = [value];
    expect(findJsonLimitViolation({ data: value })?.message).toBe('nests deeper than 32 levels');
  });

  it('count array elements over the whole document', () => {
    const half = Array.from({ length: maxArrayElements / 2 }, () => 0);
    expect(findJsonLimitViolation({ a: half, b: [...half] })).toBeNull();
    expect(findJsonLimitViolation({ a: half, b: [...half, 0] })).toMatchObject({ message: 'holds more than 50000 array elements in all' });
  });

  it('count keys over the whole document', () => {
    const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    // The root holds two keys of its own.
    expect(findJsonLimitViolation({ a: wide(maxKeys / 2 - 1), b: wide(maxKeys / 2 - 1) })).toBeNull();
    expect(findJsonLimitViolation({ a: wide(maxKeys / 2 - 1), b: wide(maxKeys / 2) })).toMatchObject({ message: 'holds more than 100000 keys in all' });
  });

  it('refuse a string or a key longer than 64 KiB, naming where, never the value', () => {
    const longest = 'y'.repeat(maxStringLength);
    expect(findJsonLimitViolation({ list: [{ s: longest }] })).toBeNull();
    const over = findJsonLimitViolation({ list: [{ ok: 1 }, { s: `${longest}y` }] });
    expect(over).toEqual({ path: ['list', 1, 's'], message: 'is longer than 65536 characters' });
    expect(findJsonLimitViolation({ inner: { [`${longest}k`]: 1 } })).toEqual({ path: ['inner'], message: 'has a key longer than 65536 characters' });
  });
});

describe('an envelope over a limit', () => {
  it('is refused while parsing, with the path of the field, by the object and the bytes parser alike', () => {
    const envelope = validEnvelope('doctor.emergency_leave');
    const affected = envelope.data.affected as { patient: Record<string, unknown> }[];
    affected[1]!.patient.note = 'z'.repeat(maxStringLength + 1);
    const expected = { ok: false, error: { kind: 'over-limit', issues: [{ path: 'data.affected[1].patient.note', message: 'is longer than 65536 characters' }] } };
    expect(parseEnvelope(envelope)).toEqual(expected);
    expect(parseEnvelopeBytes(Buffer.from(JSON.stringify(envelope)))).toEqual(expected);
  });

  it('is refused when the deep part is an unknown extra field, even with a payload that is otherwise valid', () => {
    // Written as text: JSON.stringify itself recurses, and 10,000 levels overflow it.
    const deep = `${'{"d":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const body = Buffer.from(`${JSON.stringify(validEnvelope('appointment.confirmed')).slice(0, -1)},"extra":${deep}}`);
    const parsed = parseEnvelopeBytes(body);
    expect(parsed).toMatchObject({ ok: false, error: { kind: 'over-limit', issues: [{ message: 'nests deeper than 32 levels' }] } });
    expect(parsed.ok ? '' : parsed.error.issues[0]!.path).toMatch(/^extra\.d\.d\./);
  });
});

describe('every recursive walk over received data', () => {
  it('handles a document at every limit at once', () => {
    // 31 levels below `data` (the envelope is level 1), the longest strings, and near the counts.
    const wide = Object.fromEntries(Array.from({ length: maxKeys - 200 }, (_, i) => [`k${i}`, i % 2 ? 'a' : null]));
    const list = Array.from({ length: maxArrayElements - 100 }, (_, i) => i);
    const data = { chain: nested(maxDepth - 2), wide, list, long: 'p'.repeat(maxStringLength), phone: '+919876543210' };
    const envelope = { eventId: 'his:max', type: 'appointment.confirmed' as const, occurredAt: '2026-11-24T09:30:00Z', data };
    expect(findJsonLimitViolation(envelope)).toBeNull();
    expect(hashPayload(envelope)).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson(data).length).toBeGreaterThan(maxStringLength);
    expect(JSON.stringify(maskContactsDeep(data))).toContain('+91');
  });
});

describe('masking contacts inside free text', () => {
  it('masks an address whose local part runs on past 64 characters, at least up to its last 64', () => {
    const text = `write to ${'a'.repeat(100)}@example.com today`;
    const masked = maskContactsInText(text);
    expect(masked).toContain('***@example.com today');
    expect(masked).not.toContain(`${'a'.repeat(64)}@`);
  });
});
