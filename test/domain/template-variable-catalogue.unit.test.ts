import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, type EventType, type PayloadOf } from '../../src/domain/event-catalogue.ts';
import { EXAMPLE_PAYLOADS } from '../../src/domain/intake/example-payloads.ts';
import { templateVariableCatalogue } from '../../src/domain/templates/template-variable-catalogue.ts';
import { templateVariables, type RecipientContext } from '../../src/domain/templates/template-variables.ts';
import { MINIMAL } from './template-fixtures.ts';

// The context planning gives: emergency leave messages are about one affected appointment, queue updates about one token.
function patientContext(type: EventType, data: PayloadOf<EventType>): RecipientContext {
  if (type === 'doctor.emergency_leave') return { appointmentId: (data as PayloadOf<'doctor.emergency_leave'>).affected[0]!.appointment.id };
  const tokens = type === 'walkin.queue_updated' ? (data as PayloadOf<'walkin.queue_updated'>).tokens : [];
  return tokens[0] ? { tokenNumber: tokens[0].number } : {};
}

const names = (type: EventType, which: 'all' | 'required') =>
  templateVariableCatalogue(type).filter((v) => which === 'all' || !v.optional).map((v) => v.name).sort();

const built = (type: EventType, data: PayloadOf<EventType>, ctx: RecipientContext) => Object.keys(templateVariables(type, data, ctx)).sort();

describe('the template variable catalogue', () => {
  it.each(EVENT_TYPES)('%s: the example payload yields every catalogued variable and no other', (type) => {
    const data = EXAMPLE_PAYLOADS[type];
    expect(built(type, data, { ...patientContext(type, data), staffName: 'Priya Nair' })).toEqual(names(type, 'all'));
  });

  it.each(EVENT_TYPES)('%s: a payload without optional fields still yields every variable not marked optional', (type) => {
    const data = MINIMAL[type];
    const variables = built(type, data, patientContext(type, data));
    expect(variables).toEqual(expect.arrayContaining(names(type, 'required')));
    expect(names(type, 'all')).toEqual(expect.arrayContaining(variables));
  });

  it.each(EVENT_TYPES)('%s: each variable is named once and described', (type) => {
    const catalogue = templateVariableCatalogue(type);
    expect(new Set(catalogue.map((v) => v.name)).size).toBe(catalogue.length);
    for (const v of catalogue) expect(v.description.length).toBeGreaterThan(5);
  });

  it('marks the fields an upstream payload may leave out as optional', () => {
    const report = templateVariableCatalogue('clinical.report_ready');
    expect(report.find((v) => v.name === 'doctorName')?.optional).toBe(true);
    expect(report.find((v) => v.name === 'reportName')?.optional).toBe(false);
    expect(templateVariableCatalogue('appointment.confirmed').find((v) => v.name === 'staffName')?.optional).toBe(true);
  });
});
