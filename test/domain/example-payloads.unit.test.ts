import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, GENERATED_EVENT_TYPES, PAYLOAD_SCHEMAS, UPSTREAM_EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { EXAMPLE_PAYLOADS, exampleEnvelope } from '../../src/domain/intake/example-payloads.ts';
import { jsonSchemasForUpstream } from '../../src/domain/intake/json-schemas.ts';

describe('example payloads', () => {
  it('has one for every event type, generated ones included', () => {
    expect(Object.keys(EXAMPLE_PAYLOADS).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(UPSTREAM_EVENT_TYPES)('%s: the example envelope passes intake as upstream would publish it', (type) => {
    const parsed = parseEnvelope(exampleEnvelope(type));
    expect(parsed.ok ? parsed.value.type : parsed.error).toBe(type);
  });

  it.each(GENERATED_EVENT_TYPES)('%s: the example matches the payload schema the planners record it with', (type) => {
    expect(PAYLOAD_SCHEMAS[type].safeParse(EXAMPLE_PAYLOADS[type]).success).toBe(true);
    expect(parseEnvelope(exampleEnvelope(type), { allowGenerated: true }).ok).toBe(true);
  });

  it('is the example of each published JSON Schema', () => {
    const schemas = jsonSchemasForUpstream() as Record<string, { examples?: unknown[] }>;
    for (const type of UPSTREAM_EVENT_TYPES) expect(schemas[`${type}.json`]?.examples).toEqual([exampleEnvelope(type)]);
    expect(schemas['envelope.json']?.examples).toHaveLength(1);
  });

  it('sets every optional field the contract has (a patient with a phone, an email and a locale; a centre with a locale)', () => {
    const confirmed = EXAMPLE_PAYLOADS['appointment.confirmed'];
    expect(confirmed.patient).toMatchObject({ phone: expect.stringMatching(/^\+91/), email: expect.any(String), locale: expect.any(String) });
    expect(confirmed.centre).toMatchObject({ timeZone: 'Asia/Kolkata', locale: 'en-IN' });
    expect(confirmed.payment?.currency).toBe('INR');
    expect(EXAMPLE_PAYLOADS['clinical.report_ready'].doctor).toBeDefined();
    expect(EXAMPLE_PAYLOADS['walkin.approaching_turn'].token.room).toBeDefined();
  });
});
