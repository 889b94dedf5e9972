import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/intake/envelope.ts';
import { PATIENT_CHANNELS, type Channel, type PatientEventType } from '../../src/domain/event-catalogue.ts';
import type { Patient } from '../../src/domain/intake/payload-parts.ts';
import { planPatientNotifications, type PlanDecision } from '../../src/domain/notifications/plan-notifications.ts';
import { planningTemplates } from '../../src/domain/templates/planning-templates.ts';
import type { ContactBlock } from '../../src/domain/notifications/preference-events.ts';
import { appointment, centre, doctor, patient, validEnvelope, walkinQueue } from '../support/envelopes.ts';

const now = new Date('2026-11-24T09:00:00Z');
const PHONE = patient.phone;
const EMAIL = patient.email;

/**
 * The seed document's patient table, written out here rather than read from the catalogue, so a
 * change to the catalogue has to change this table too.
 */
const SEED_MATRIX: [PatientEventType, Channel[]][] = [
  ['appointment.confirmed', ['whatsapp', 'email']],
  ['appointment.pending_approval', ['whatsapp']],
  ['appointment.rejected', ['whatsapp', 'email']],
  ['appointment.cancelled', ['whatsapp']],
  ['appointment.rescheduled', ['whatsapp', 'email']],
  ['appointment.completed', ['whatsapp']],
  ['appointment.no_show', ['whatsapp']],
  ['appointment.reminder', ['whatsapp', 'email']],
  ['walkin.token_called', ['whatsapp']],
  ['walkin.approaching_turn', ['whatsapp']],
  ['clinical.prescription_ready', ['whatsapp', 'email']],
  ['clinical.report_ready', ['whatsapp', 'email']],
  ['doctor.emergency_leave', ['whatsapp', 'email']],
];

/** The two types generated here carry the payload their planners build (reminders, walk-in reaction). */
function payloadOf(type: PatientEventType): Record<string, unknown> {
  if (type === 'appointment.reminder') return { appointment, patient, doctor, centre, offset: '24h' };
  if (type === 'walkin.approaching_turn') {
    return { centre, queue: walkinQueue, token: { number: 'A-017', room: 'Room 3' }, patient, position: 2, threshold: 3 };
  }
  return validEnvelope(type).data;
}

/** The event with every patient it names given exactly `contacts` (fan-out events name several). */
function eventFor(type: PatientEventType, contacts: Pick<Patient, 'phone' | 'email'>): Envelope {
  const withContacts = (p: Patient): Patient => {
    const { phone: _phone, email: _email, ...rest } = p;
    return { ...rest, ...contacts };
  };
  const data = payloadOf(type) as { patient?: Patient; affected?: { patient: Patient }[] };
  const replaced = {
    ...data,
    ...(data.patient ? { patient: withContacts(data.patient) } : {}),
    ...(data.affected ? { affected: data.affected.map((a) => ({ ...a, patient: withContacts(a.patient) })) } : {}),
  };
  return { eventId: `evt-${type}`, type, occurredAt: '2026-11-24T08:59:00Z', data: replaced };
}

type Outcome = 'planned' | NonNullable<ContactBlock> | 'no-contact';

/** Each (person, channel) decision as `channel: planned` or `channel: <suppression reason>`. */
const outcomes = (decisions: PlanDecision[]): string[] =>
  decisions.map((d) => `${d.event.recipient.id} ${d.event.channel}: ${d.kind === 'planned' ? 'planned' : d.event.reason}`);

const plan = (type: PatientEventType, contacts: Pick<Patient, 'phone' | 'email'>, blocks: Partial<Record<Channel, ContactBlock>> = {}): PlanDecision[] =>
  planPatientNotifications({ envelope: eventFor(type, contacts), now, templates: planningTemplates, blockFor: (channel) => blocks[channel] ?? null });

/** What the matrix expects for one event: every person the event names, each of its channels. */
function expected(type: PatientEventType, channels: Channel[], outcome: (channel: Channel) => Outcome): string[] {
  const people = type === 'doctor.emergency_leave' ? ['pat-1', 'pat-2'] : ['pat-1'];
  return people.flatMap((person) => channels.map((channel) => `${person} ${channel}: ${outcome(channel)}`));
}

const byPhone = (channel: Channel): boolean => channel === 'whatsapp' || channel === 'sms';

describe('planning the notifications of a patient event', () => {
  it('covers every patient event type of the catalogue, and no other', () => {
    expect(SEED_MATRIX.map(([type]) => type).sort()).toEqual(Object.keys(PATIENT_CHANNELS).sort());
  });

  it.each(SEED_MATRIX)('given a patient with a phone and an email, when %s arrives, then it is planned on exactly %j', (type, channels) => {
    expect(outcomes(plan(type, { phone: PHONE, email: EMAIL }))).toEqual(expected(type, channels, () => 'planned'));
  });

  it.each(SEED_MATRIX)('given a patient with only a phone, when %s arrives, then only the phone channels of %j are planned', (type, channels) => {
    expect(outcomes(plan(type, { phone: PHONE }))).toEqual(expected(type, channels, (c) => (byPhone(c) ? 'planned' : 'no-contact')));
  });

  it.each(SEED_MATRIX)('given a patient with only an email, when %s arrives, then only the email of %j is planned', (type, channels) => {
    expect(outcomes(plan(type, { email: EMAIL }))).toEqual(expected(type, channels, (c) => (byPhone(c) ? 'no-contact' : 'planned')));
  });

  it.each(SEED_MATRIX)('given a patient who opted out of WhatsApp, when %s arrives, then WhatsApp of %j is suppressed and the rest planned', (type, channels) => {
    expect(outcomes(plan(type, { phone: PHONE, email: EMAIL }, { whatsapp: 'opted-out' }))).toEqual(
      expected(type, channels, (c) => (c === 'whatsapp' ? 'opted-out' : 'planned')),
    );
  });

  it.each(SEED_MATRIX)('given a patient who opted out of email, when %s arrives, then email of %j is suppressed and the rest planned', (type, channels) => {
    expect(outcomes(plan(type, { phone: PHONE, email: EMAIL }, { email: 'opted-out' }))).toEqual(
      expected(type, channels, (c) => (c === 'email' ? 'opted-out' : 'planned')),
    );
  });

  it.each(SEED_MATRIX)('given a patient whose email bounced, when %s arrives, then email of %j is suppressed as bounced', (type, channels) => {
    expect(outcomes(plan(type, { phone: PHONE, email: EMAIL }, { email: 'bounced-address' }))).toEqual(
      expected(type, channels, (c) => (c === 'email' ? 'bounced-address' : 'planned')),
    );
  });

  it.each(SEED_MATRIX)('given a patient with neither contact, when %s arrives, then every channel of %j is suppressed for no contact', (type, channels) => {
    expect(outcomes(plan(type, {}))).toEqual(expected(type, channels, () => 'no-contact'));
  });

  it('given a phone that is well-formed but not a valid number, when an event arrives, then WhatsApp is suppressed as an invalid contact', () => {
    const [whatsapp, email] = plan('appointment.confirmed', { phone: '+919999', email: EMAIL });
    expect(whatsapp).toMatchObject({ kind: 'suppressed', event: { channel: 'whatsapp', reason: 'invalid-contact', recipient: { address: '+919999' } } });
    expect(email).toMatchObject({ kind: 'planned', event: { channel: 'email' } });
  });

  it('given an event that is not for patients, when it arrives, then nothing is planned', () => {
    const bill = validEnvelope('billing.bill_generated');
    expect(planPatientNotifications({ envelope: bill as Envelope, now, templates: planningTemplates, blockFor: () => null })).toEqual([]);
  });

  it('given a cancellation already covered by an emergency leave, when it arrives, then it is suppressed as covered', () => {
    const decisions = planPatientNotifications({
      envelope: eventFor('appointment.cancelled', { phone: PHONE, email: EMAIL }),
      now,
      templates: planningTemplates,
      blockFor: () => null,
      emergencyLeaveFor: (appointmentId) => (appointmentId === appointment.id ? 'evt-leave' : null),
    });
    expect(outcomes(decisions)).toEqual(['pat-1 whatsapp: covered-by-emergency-leave']);
  });

  it('given the same event twice, when it is planned again, then every decision names the same notification', () => {
    const ids = (d: PlanDecision[]) => d.map((x) => x.event.notificationId);
    const first = plan('doctor.emergency_leave', { phone: PHONE, email: EMAIL });
    expect(ids(plan('doctor.emergency_leave', { phone: PHONE, email: EMAIL }))).toEqual(ids(first));
    expect(new Set(ids(first)).size).toBe(first.length);
  });

  it('given a planned message, when it is planned, then it is due at once with the address of its channel', () => {
    const [whatsapp, email] = plan('appointment.confirmed', { phone: PHONE, email: EMAIL });
    expect(whatsapp).toMatchObject({ kind: 'planned', event: { recipient: { address: PHONE }, dueAt: now.toISOString(), plannedAt: now.toISOString() } });
    expect(email).toMatchObject({ kind: 'planned', event: { recipient: { address: EMAIL } } });
  });
});
