import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/domain/event-catalogue.ts';
import { EXAMPLE_PAYLOADS } from '../../src/domain/intake/example-payloads.ts';
import { ERASED, erasedStaffRecord, findSealed, openParts, openSpots, personalParts, sealParts, unsealedParts, type Opened, type PersonalPart } from '../../src/domain/keys/personal-data.ts';

// A stand-in cipher (opaque, reversible), so these tests are about which parts are whose; the cipher has its own.
const SEAL = 'sealed:';
const seal = (part: PersonalPart, value: unknown) => `${SEAL}${Buffer.from(JSON.stringify({ person: part.person, scope: part.scope, value })).toString('base64url')}`;
const isSealed = (value: string) => value.startsWith(SEAL);
const open = (sealed: string): Opened => ({ ok: true, value: (JSON.parse(Buffer.from(sealed.slice(SEAL.length), 'base64url').toString('utf8')) as { value: unknown }).value });
const erase = (): Opened => ({ ok: false, erased: true });
const context = { contactId: (kind: string, value: string) => `hash(${kind}:${value.length})` };

const patient = { id: 'pat-20931', name: 'Asha Verma', phone: '+919876543210', email: 'asha.verma@example.com', locale: 'en-IN', upstreamExtra: { caste: 'never in clear' } };
const SECRETS = [patient.name, patient.phone, patient.phone.slice(1), patient.email, 'never in clear'];

function sealedFor(type: string, data: Record<string, unknown>) {
  const parts = personalParts(type, data, context);
  return { parts, sealed: sealParts(data, parts, seal) };
}

const receipt = (type: string, payload: unknown) => ({ eventId: 'e-1', type, occurredAt: '2026-12-07T04:00:00Z', data: payload, receivedAt: '2026-12-07T04:00:01Z', via: 'amqp', payloadHash: 'h' });

describe('the personal data of an inbound event', () => {
  it.each(EVENT_TYPES)('%s keeps no name, phone or email in clear, and opens to what it was', (type) => {
    const payload = JSON.parse(JSON.stringify(EXAMPLE_PAYLOADS[type]).replaceAll('Asha Verma', patient.name)) as Record<string, unknown>;
    const data = receipt(type, payload);
    const { sealed } = sealedFor('InboundEventReceived', data);
    const json = JSON.stringify(sealed);
    for (const phone of JSON.stringify(payload).match(/\+91\d{10}/g) ?? []) expect(json).not.toContain(phone);
    for (const email of JSON.stringify(payload).match(/[\w.]+@example\.com/g) ?? []) expect(json).not.toContain(email);
    expect(openParts(sealed, isSealed, open)).toEqual(data);
  });

  it('seals the patient object whole, unknown fields included, keeping its id', () => {
    const { parts, sealed } = sealedFor('InboundEventReceived', receipt('appointment.confirmed', { patient, doctor: { id: 'doc-1', name: 'Dr. Meera Rao' } }));
    expect(parts).toEqual([{ path: ['data', 'patient'], person: { kind: 'patient', id: 'pat-20931' }, scope: 'data', keep: ['id'] }]);
    const json = JSON.stringify(sealed);
    for (const secret of SECRETS) expect(json).not.toContain(secret);
    // Doctors' names are the clinic's professional record.
    expect(json).toContain('Dr. Meera Rao');
    expect((sealed.data as { patient: Record<string, unknown> }).patient).toMatchObject({ id: 'pat-20931', $shape: { name: 's', phone: 's', email: 's', locale: 's', upstreamExtra: 'o' } });
  });

  it('never touches the data it is given, and shares what it does not seal', () => {
    const freeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) freeze(v);
      return Object.freeze(value);
    };
    const doctor = { id: 'doc-1', name: 'Dr. Meera Rao' };
    const data = freeze(receipt('appointment.confirmed', { patient, doctor }));
    const { sealed } = sealedFor('InboundEventReceived', data as Record<string, unknown>);
    expect((data.data as { patient: unknown }).patient).toBe(patient);
    expect((sealed.data as { doctor: unknown }).doctor).toBe(doctor);
  });

  it('reads as [erased] once its key is gone, keeping the id and the shape', () => {
    const { sealed } = sealedFor('InboundEventReceived', receipt('appointment.confirmed', { patient }));
    expect((openParts(sealed, isSealed, erase) as { data: { patient: unknown } }).data.patient).toEqual({
      id: 'pat-20931', name: ERASED, phone: ERASED, email: ERASED, locale: ERASED, upstreamExtra: {},
    });
  });

  it('names each affected patient of an emergency leave as their own person', () => {
    const payload = EXAMPLE_PAYLOADS['doctor.emergency_leave'];
    const { parts } = sealedFor('InboundEventReceived', receipt('doctor.emergency_leave', payload));
    expect(parts.map((p) => p.person)).toEqual(payload.affected.map((a) => ({ kind: 'patient', id: a.patient.id })));
  });
});

describe('the personal data of what the service records', () => {
  const planned = {
    notificationId: 'n-1', eventId: 'e-1', eventType: 'appointment.confirmed', channel: 'whatsapp', plannedAt: '2026-12-07T04:00:02Z',
    recipient: { kind: 'patient', id: 'pat-20931', name: patient.name, address: patient.phone, locale: 'en-IN' },
    variables: { patientName: patient.name, doctorName: 'Dr. Meera Rao' },
    content: { channel: 'whatsapp', templateName: 'appointment_confirmed', languageCode: 'en', bodyParameters: [patient.name], previewText: `Hello ${patient.name}` },
    selection: { kind: 'catalogue', eventType: 'appointment.confirmed' },
  };

  it('seals a notification\'s recipient under their data key and its words under that month\'s content key', () => {
    const { parts, sealed } = sealedFor('NotificationPlanned', planned);
    expect(parts.map((p) => [p.path.join('.'), p.scope])).toEqual([['recipient', 'data'], ['variables', 'content:2026-12'], ['content', 'content:2026-12']]);
    const json = JSON.stringify(sealed);
    for (const secret of [patient.name, patient.phone]) expect(json).not.toContain(secret);
    expect(sealed).toMatchObject({ recipient: { kind: 'patient', id: 'pat-20931', locale: 'en-IN' }, content: { channel: 'whatsapp' }, channel: 'whatsapp' });
    expect(openParts(sealed, isSealed, open)).toEqual(planned);
  });

  it('keeps an erased notification\'s shape: its words read [erased], its lists empty', () => {
    const { sealed } = sealedFor('NotificationPlanned', planned);
    expect(openParts(sealed, isSealed, erase)).toMatchObject({
      recipient: { kind: 'patient', id: 'pat-20931', locale: 'en-IN', name: ERASED, address: ERASED },
      variables: ERASED,
      content: { channel: 'whatsapp', templateName: ERASED, bodyParameters: [], previewText: ERASED },
    });
  });

  it('seals a reply under its number, a message\'s words, an opt-out\'s address and a staff member\'s name and contacts', () => {
    const callback = { callbackId: 'cb', provider: '360dialog', receivedAt: 'x', reports: [], suppressions: [{ channel: 'email', address: patient.email, reason: 'bounced-address', reportId: 'r', occurredAt: 'x' }],
      replies: [{ provider: '360dialog', channel: 'whatsapp', from: patient.phone, intent: 'other', text: 'Can I come at 11?', messageType: 'text', messageId: 'wamid.1', receivedAt: 'x' }] };
    const message = { conversationId: 'c'.repeat(64), from: patient.phone, text: 'Can I come at 11?', media: null, location: null, patientIds: ['pat-20931'], channel: 'whatsapp' };
    const optOut = { channel: 'whatsapp', address: patient.phone, personId: 'pat-20931', reason: 'stop-reply', at: 'x', actor: '360dialog' };
    const staff = { id: 'divya-desk', name: 'Divya Nair', roles: ['front_desk'], centreIds: ['centre-blr'], contacts: { email: 'divya@clinic.example', pushTokens: ['fcm-1'] }, active: true, at: 'x', actor: 'a' };
    for (const [type, data, secrets] of [
      ['ProviderCallbackReceived', callback, [patient.phone, patient.email, 'Can I come at 11?']],
      ['PatientMessageReceived', message, [patient.phone, 'Can I come at 11?']],
      ['ContactOptedOut', optOut, [patient.phone]],
      ['StaffMemberUpserted', staff, ['Divya Nair', 'divya@clinic.example', 'fcm-1']],
    ] as const) {
      const { sealed } = sealedFor(type, data);
      for (const secret of secrets) expect(JSON.stringify(sealed)).not.toContain(secret);
      expect(openParts(sealed, isSealed, open)).toEqual(data);
    }
    expect(sealedFor('PatientMessageReceived', message).parts.every((p) => p.person.kind === 'contact' && p.person.id === message.conversationId)).toBe(true);
    expect(sealedFor('StaffMemberUpserted', staff).sealed).toMatchObject({ id: 'divya-desk', roles: ['front_desk'], centreIds: ['centre-blr'], active: true });
  });

  it('reads an erased staff member with their id, roles, centres and flag, their name [erased] and their contacts in shape', () => {
    const staff = { id: 'divya-desk', name: 'Divya Nair', roles: ['front_desk'], centreIds: ['centre-blr'], contacts: { email: 'divya@clinic.example', whatsapp: '+919811111111', pushTokens: ['fcm-1'] }, locale: null, active: true, at: 'x', actor: 'a' };
    const read = openParts(sealedFor('StaffMemberUpserted', staff).sealed, isSealed, erase);
    expect(read).toEqual({ ...staff, name: ERASED, contacts: { email: ERASED, whatsapp: ERASED, pushTokens: [] } });
    // What a read model scrubs a kept record to is exactly that read.
    expect(erasedStaffRecord(staff)).toEqual(read);
    expect(erasedStaffRecord(erasedStaffRecord(staff))).toEqual(read);
  });

  it('seals a dead push token\'s opt-out under the token as a push token, as erasure finds it', () => {
    const dropped = { channel: 'push', address: 'fcm-1', personId: null, reason: 'permanent-bounce', at: 'x', actor: 'system' };
    expect(sealedFor('ContactOptedOut', dropped).parts.map((p) => p.person)).toEqual([{ kind: 'contact', id: 'hash(push-token:5)' }]);
  });

  it('tells the parts still in clear from those sealed, so sealing a ledger twice seals each part once', () => {
    const sealedValue = (value: unknown) => typeof value === 'string' && isSealed(value);
    const { parts, sealed } = sealedFor('NotificationPlanned', planned);
    expect(unsealedParts(planned, parts, sealedValue)).toEqual(parts);
    expect(unsealedParts(sealed, parts, sealedValue)).toEqual([]);
    // Sealed only in part (its recipient kept under `$sealed`, its words a sealed value), and one part absent.
    const half = { ...planned, recipient: sealed.recipient, variables: sealed.variables };
    delete (half as Partial<typeof half>).content;
    expect(unsealedParts(half, parts, sealedValue)).toEqual([]);
    expect(unsealedParts({ ...half, content: planned.content }, parts, sealedValue)).toEqual([parts[2]]);
  });

  it('leaves an event with nothing personal as it is', () => {
    const data = { notificationId: 'n-1', attempt: 1, worker: 'w', startedAt: 'x' };
    expect(personalParts('AttemptStarted', data, context)).toEqual([]);
    expect(openParts(data, isSealed, open)).toBe(data);
  });
});

describe('opening only where findSealed found sealed values', () => {
  // What a reader of the ledger opens: found in one walk, then opened only at the spots found.
  const openFound = (data: unknown, opener: (sealed: string) => Opened = open) => openSpots(data, findSealed(data, isSealed), opener);
  const snapshot = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

  it.each(EVENT_TYPES)('opens a sealed %s receipt exactly as a walk over all of it does, live or erased', (type) => {
    const { sealed } = sealedFor('InboundEventReceived', receipt(type, EXAMPLE_PAYLOADS[type]));
    const before = snapshot(sealed);
    expect(openFound(sealed)).toEqual(openParts(sealed, isSealed, open));
    expect(openFound(sealed, erase)).toEqual(openParts(sealed, isSealed, erase));
    expect(sealed).toEqual(before);
  });

  it('opens a planned notification, a reply and a staff member as a walk over all of them does', () => {
    const planned = { notificationId: 'n-1', plannedAt: '2026-12-07T04:00:00Z', recipient: { kind: 'patient', id: 'pat-1', name: 'Asha Verma', address: '+919876543210', locale: 'en' }, variables: { name: 'Asha' }, content: { channel: 'whatsapp', body: 'Hello Asha' } };
    const reply = { replies: [{ from: '+919876543210', provider: '360dialog', channel: 'whatsapp', text: 'STOP' }, { from: 'asha@example.com', provider: 'ses', channel: 'email' }], suppressions: [{ address: 'asha@example.com' }] };
    const staff = { id: 'st-1', name: 'Nurse Joy', contacts: { phones: ['+919800000001'], pushTokens: ['tok'] }, roles: ['nurse'] };
    for (const [type, data] of [['NotificationPlanned', planned], ['ProviderCallbackReceived', reply], ['StaffMemberUpserted', staff]] as const) {
      const { parts, sealed } = sealedFor(type, data);
      expect(parts.length).toBeGreaterThan(0);
      expect(openFound(sealed)).toEqual(data);
      expect(openFound(sealed, erase)).toEqual(openParts(sealed, isSealed, erase));
    }
  });

  it('copies only along the paths it opens, and hands back what holds nothing sealed', () => {
    const data = { a: { b: [`${SEAL}${Buffer.from(JSON.stringify({ value: 'x' })).toString('base64url')}`, 'plain'] }, untouched: { deep: ['y'] } };
    const opened = openFound(data) as typeof data;
    expect(opened).toEqual({ a: { b: ['x', 'plain'] }, untouched: { deep: ['y'] } });
    expect(opened.untouched).toBe(data.untouched);
    expect(data.a.b[0]).toMatch(/^sealed:/);
    const plain = { notificationId: 'n-1', list: [1, 2], nested: { k: 'v' } };
    expect(openFound(plain)).toBe(plain);
    expect(openParts(plain, isSealed, open)).toBe(plain);
  });

  it('opens a value sealed whole at the top, and keeps a field named __proto__ as a field', () => {
    const top = `${SEAL}${Buffer.from(JSON.stringify({ value: { name: 'Asha' } })).toString('base64url')}`;
    expect(openFound(top)).toEqual({ name: 'Asha' });
    const data = JSON.parse(`{"__proto__": {"x": 1}, "p": "${top}"}`) as Record<string, unknown>;
    const opened = openFound(data) as Record<string, unknown>;
    expect(Object.hasOwn(opened, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(opened)).toBe(Object.prototype);
    expect(opened.p).toEqual({ name: 'Asha' });
  });

  it('seals a field named __proto__ of a patient with the rest, and opens it as a field', () => {
    const payload = JSON.parse('{"patient": {"id": "pat-1", "name": "Asha", "__proto__": {"polluted": true}}}') as Record<string, unknown>;
    const { sealed } = sealedFor('InboundEventReceived', receipt('appointment.confirmed', payload));
    const patientSealed = (sealed.data as { patient: Record<string, unknown> }).patient;
    expect(Object.keys(patientSealed.$shape as object)).toEqual(['name', '__proto__']);
    const opened = (openFound(sealed) as { data: { patient: Record<string, unknown> } }).data.patient;
    expect(Object.hasOwn(opened, '__proto__')).toBe(true);
    expect(opened.name).toBe('Asha');
  });
});
