import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GENERATED_EVENT_TYPES, UPSTREAM_EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { jsonSchemaFiles, jsonSchemasForUpstream } from '../../src/domain/intake/json-schemas.ts';

interface ObjectSchema {
  properties: Record<string, ObjectSchema & { const?: string; minItems?: number; maxItems?: number; items?: ObjectSchema; description?: string }>;
  required?: string[];
}

const schemas = jsonSchemasForUpstream() as Record<string, ObjectSchema>;
const schemaOf = (type: string): ObjectSchema => schemas[`${type}.json`] ?? expect.fail(`no schema for ${type}`);

describe('JSON Schemas for upstream integrators', () => {
  it('has one file per upstream type and the envelope, and none for the types generated here', () => {
    expect(Object.keys(schemas).sort()).toEqual(['envelope.json', ...UPSTREAM_EVENT_TYPES.map((t) => `${t}.json`)].sort());
    for (const type of GENERATED_EVENT_TYPES) expect(schemas).not.toHaveProperty(`${type}.json`);
  });

  it.each(UPSTREAM_EVENT_TYPES)('%s: the whole envelope, its type fixed', (type) => {
    const schema = schemaOf(type);
    expect(schema.required).toEqual(['eventId', 'type', 'occurredAt', 'data']);
    expect(schema.properties.type?.const).toBe(type);
  });

  it('states required and optional payload fields as DESIGN.md does', () => {
    expect(schemaOf('appointment.confirmed').properties.data?.required).toEqual(['appointment', 'patient', 'doctor', 'centre']);
    expect(schemaOf('appointment.cancelled').properties.data?.required).toEqual(['appointment', 'patient', 'doctor', 'centre', 'cancelledBy']);
    const affected = schemaOf('doctor.emergency_leave').properties.data?.properties.affected;
    expect([affected?.minItems, affected?.maxItems]).toEqual([1, 2000]);
    expect(affected?.items?.required).toEqual(['appointment', 'patient', 'refund', 'rescheduleLink']);
  });

  it('describes the checks JSON Schema cannot express', () => {
    const centre = schemaOf('walkin.token_called').properties.data?.properties.centre;
    expect(centre?.properties.timeZone?.description).toMatch(/IANA/);
    expect(centre?.properties.locale?.description).toMatch(/BCP 47/);
  });
});

describe('the committed schemas/ folder', () => {
  it('matches what the zod schemas generate now (run npm run schemas when this fails)', async () => {
    const directory = fileURLToPath(new URL('../../schemas/', import.meta.url));
    const names = (await readdir(directory)).filter((n) => n.endsWith('.json')).sort();
    const onDisk = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await readFile(`${directory}${n}`, 'utf8')] as const)));
    expect(onDisk).toEqual(jsonSchemaFiles());
  });
});
