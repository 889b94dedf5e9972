import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedOut } from '../../src/domain/notifications/preference-events.ts';
import { slotInstant } from '../../src/domain/slot-instant.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { parsePosition } from '../../src/ledger/event-store.ts';
import { blockedAddressHash } from '../../src/projections/deliveries/contact-blocks.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';
import { HOUR, kolkata, reminderNotifications, untilReminders, visitEnvelope } from './reminder-support.ts';

// With personal data sealed, the visit a reminder schedule keeps holds the patient as the ledger
// does ({ id, $cell, $shape }): the id usable in SQL, nothing else in clear. A reminder fires with
// the real patient (opened just before planning), an opt-out by address still blocks, an erasure
// scrubs the visit as a rebuild reads it, and a replay finds no difference.
const DAY = 24 * HOUR;
const centre = kolkata();
const slot = { slotDate: '2026-12-10', slotTime: '10:00' };
const T = slotInstant(slot, centre.timeZone).getTime();
const clock = fixedClock(new Date(T - 3 * DAY));
const MY_TABLES = ['public.reminder_appointments', 'public.contact_blocks'];
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, personalData: 'sealed', templateSync: false, dispatcher: { pollIntervalMs: 20 }, reminders: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

const tag = () => randomUUID().slice(0, 8);
function newPatient(first: string) {
  const digits = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  return { id: `pat-${randomUUID()}`, name: `${first} Q${tag()}`, phone: `+919${digits}`, email: `${first.toLowerCase()}.${tag()}@example.com` };
}
type Patient = ReturnType<typeof newPatient>;
const secretsOf = (p: Patient) => [p.name, p.phone.slice(1), p.email];
/** Which of the tables this change seals hold `needle` in clear. */
const mineContaining = async (needle: string) => (await tablesContaining(service.db, needle)).filter((t) => MY_TABLES.includes(t));
const sandbox = (channel: 'whatsapp' | 'email' | 'sms') => service.transports[channel] as SandboxTransport;

async function book(p: Patient): Promise<string> {
  const appointmentId = `appt-${tag()}`;
  await recordAndProject(service, visitEnvelope('appointment.confirmed', { appointmentId, centre, ...slot, occurredAt: clock.now(), patient: p }));
  await untilReminders(service, appointmentId, ['24h:scheduled', '2h:scheduled', '30m:scheduled']);
  return appointmentId;
}

const settledReminders = (appointmentId: string, count: number) => until(async () => {
  service.dispatcher?.poke();
  const rows = await reminderNotifications(service, appointmentId);
  return rows.length === count && rows.every((r) => r.status === 'sent' || r.status === 'suppressed') ? rows : null;
}, { what: `${count} reminder messages of ${appointmentId} settled` });

describe('a reminder schedule with personal data sealed', () => {
  const asha = newPatient('Asha');
  const ravi = newPatient('Ravi');
  let ashaVisit: string;
  let raviVisit: string;

  it('keeps the visit\'s patient sealed but for their id, which SQL still finds', async () => {
    // When Asha and Ravi book
    ashaVisit = await book(asha);
    raviVisit = await book(ravi);
    await settle(service);
    // Then the kept visit holds Asha by id, the rest a cell
    const found = await sql<{ appointment_id: string; patient: Record<string, unknown> }>`
      select appointment_id, visit->'patient' as patient from reminder_appointments where visit->'patient'->>'id' = ${asha.id}`.execute(service.db);
    expect(found.rows.map((r) => r.appointment_id)).toEqual([ashaVisit]);
    expect(Object.keys(found.rows[0]!.patient).sort()).toEqual(['$cell', '$shape', 'id']);
    // Opened, it is her as booked
    expect((await service.cells.open(found.rows[0]!.patient))).toMatchObject(asha);
    // And none of her or Ravi's data is in the table in clear
    for (const secret of [...secretsOf(asha), ...secretsOf(ravi)]) expect(await mineContaining(secret)).toEqual([]);
  }, 60_000);

  it('fires with the real patient, and an opt-out by address still blocks', async () => {
    // Given Ravi's number opted out of WhatsApp by address alone (a STOP from the number)
    const stop: ContactOptedOut = { channel: 'whatsapp', address: ravi.phone, personId: null, reason: 'stop-reply', at: clock.now().toISOString(), actor: 'patient' };
    const appended = await service.store.append(streamName.contactPreference(service.keys, 'whatsapp', ravi.phone),
      [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES.optedOut, data: stop, metadata: { actor: 'patient' } }], 'any');
    if (!appended.ok) throw appended.error;
    await service.whenProcessed(appended.position);
    expect(await service.db.selectFrom('contact_blocks').select(['block', 'address'])
      .where('address_hash', '=', blockedAddressHash(service.keys, 'whatsapp', ravi.phone)).execute()).toEqual([{ block: 'opted-out', address: null }]);

    // When the 24-hour reminders fire
    clock.set(new Date(T - DAY + 500));
    service.reminders!.poke();
    const ashas = await settledReminders(ashaVisit, 2);
    // (Ravi's WhatsApp, refused, falls back to SMS.)
    const ravis = await settledReminders(raviVisit, 3);

    // Then Asha's went to her real number and address, with her name
    expect(ashas.map((r) => `${r.channel} ${r.status}`).sort()).toEqual(['email sent', 'whatsapp sent']);
    const toWhatsApp = sandbox('whatsapp').sent.find((m) => m.notificationId === ashas.find((r) => r.channel === 'whatsapp')!.notification_id)!;
    expect(toWhatsApp.to).toBe(asha.phone);
    expect(JSON.stringify(toWhatsApp.rendered)).toContain(asha.name.split(' ')[0]);
    expect(sandbox('email').sent.find((m) => m.notificationId === ashas.find((r) => r.channel === 'email')!.notification_id)!.to).toBe(asha.email);
    // Ravi's WhatsApp is suppressed as opted out; his email goes, and an SMS to his real number stands in
    expect(ravis.map((r) => `${r.channel} ${r.status} ${r.suppression_reason ?? '-'}`).sort()).toEqual(['email sent -', 'sms sent -', 'whatsapp suppressed opted-out']);
    expect(sandbox('sms').sent.find((m) => m.notificationId === ravis.find((r) => r.channel === 'sms')!.notification_id)!.to).toBe(ravi.phone);
    for (const secret of [...secretsOf(asha), ...secretsOf(ravi)]) expect(await mineContaining(secret)).toEqual([]);
  }, 60_000);

  it('scrubs the visit and the blocks of an erased patient as a rebuild reads them, and a replay finds no difference', async () => {
    // When Ravi is erased
    const done = await gqlData<{ erasePerson: { position: string } }>(service, ADMIN_TOKEN, `
      mutation ($id: ID!) { erasePerson(kind: PATIENT, id: $id, reason: "asked to be forgotten (ticket 4800)") { ... on PersonErasure { position } } }`, { id: ravi.id });
    await service.whenProcessed(parsePosition(done.erasePerson.position)!);
    await settle(service);
    // Then his kept visit keeps his id and reads [erased] for the rest; Asha's is untouched
    const visits = await service.db.selectFrom('reminder_appointments').select(['appointment_id', 'visit']).where('appointment_id', 'in', [ashaVisit, raviVisit]).execute();
    const patientOf = (id: string) => (visits.find((v) => v.appointment_id === id)!.visit as { patient: Record<string, unknown> }).patient;
    expect(patientOf(raviVisit)).toHaveProperty('$cell');
    expect(await service.cells.open(patientOf(raviVisit))).toEqual({ id: ravi.id, name: ERASED, phone: ERASED, email: ERASED });
    expect(await service.cells.open(patientOf(ashaVisit))).toMatchObject({ id: asha.id, name: asha.name });
    // And his number's opt-out went with his keys, as a rebuild (reading it [erased]) has none
    expect(await service.db.selectFrom('contact_blocks').select('block')
      .where('address_hash', '=', blockedAddressHash(service.keys, 'whatsapp', ravi.phone)).execute()).toEqual([]);

    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_sealed_visit', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);
});
