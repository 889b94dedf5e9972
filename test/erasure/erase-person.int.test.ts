import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASURE_EVENT_TYPES, type PersonErased } from '../../src/domain/erasure/person-erased.ts';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { gql, gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, type Dialog360Standin, whatsappThroughStandin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';
import { postWhatsAppMessage } from '../support/whatsapp-statuses.ts';
import { seedStaff } from '../staff/support/staff-fixtures.ts';

// A patient forgotten on a running service with personal data sealed: the API and every table show
// [erased] where their data was, counts and statuses stay, another patient of the same fan-out is
// untouched, what waited for them is not sent, and a replay rebuilds exactly the scrubbed rows.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const WEBHOOK_SECRET = 'erasure-webhook-secret';
let database: TestDatabase;
let service: TestService;
let whatsapp: Dialog360Standin;
/** Everything the service logged, at debug level. */
const logLines: string[] = [];

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  database = await createTestDatabase();
  service = await startTestService({
    clock,
    database,
    personalData: 'sealed',
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } }),
    env: whatsappThroughStandin(whatsapp, WEBHOOK_SECRET),
  });
  await seedStaff(service, clock);
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await database?.drop();
});

const tag = () => randomUUID().slice(0, 8);
function newPatient(first: string) {
  const digits = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  return { id: `pat-${randomUUID()}`, name: `${first} Q${tag()}`, phone: `+919${digits}`, email: `${first.toLowerCase()}.${tag()}@example.com` };
}
type Patient = ReturnType<typeof newPatient>;

const rowsContaining = (needle: string) => tablesContaining(service.db, needle);

const sentRows = (eventId: string, count: number) => until(async () => {
  service.dispatcher?.poke();
  const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();
  return rows.length === count && rows.every((r) => r.status === 'sent' || r.status === 'suppressed') ? rows : null;
}, { what: `${count} notifications of ${eventId} settled` });

function emergencyLeaveFor(a: Patient, b: Patient): RawEnvelope {
  const raw = validEnvelope('doctor.emergency_leave');
  const data = raw.data as { affected: { appointment: { id: string; bookingReference: string }; patient: unknown }[] };
  data.affected[0]!.patient = a;
  data.affected[0]!.appointment = { ...data.affected[0]!.appointment, id: `appt-${tag()}`, bookingReference: `BK-${tag()}` };
  data.affected[1]!.patient = { ...b, locale: 'en' };
  data.affected[1]!.appointment = { ...data.affected[1]!.appointment, id: `appt-${tag()}`, bookingReference: `BK-${tag()}` };
  return raw;
}

function confirmedFor(p: Patient, slotInDays: number): RawEnvelope {
  const raw = validEnvelope('appointment.confirmed');
  const data = raw.data as { patient: unknown; appointment: { id: string; bookingReference: string; slotDate: string } };
  data.patient = p;
  const slot = new Date(clock.now().getTime() + slotInDays * 86_400_000);
  data.appointment = { ...data.appointment, id: `appt-${tag()}`, bookingReference: `BK-${tag()}`, slotDate: slot.toISOString().slice(0, 10) };
  return raw;
}

const erase = (id: string, reason = 'patient wrote asking to be forgotten (ticket 4711)') =>
  gqlData<{ erasePerson: Record<string, unknown> }>(service, ADMIN_TOKEN, `
    mutation ($id: ID!, $reason: String!) { erasePerson(kind: PATIENT, id: $id, reason: $reason) {
      __typename ... on PersonErasure { kind id keysDestroyed contacts suppressed position } ... on ValidationError { issues { path } } } }`, { id, reason });

const notificationView = (id: string) => gqlData<{ notification: { status: string; attempts: number; recipient: { id: string; address: string | null }; content: { previewText?: string } | null } }>(
  service, AUDITOR_TOKEN, `query ($id: ID!) { notification(id: $id) { status attempts recipient { id address } content { ... on RenderedWhatsApp { previewText } } } }`, { id });

describe('erasePerson', () => {
  let asha: Patient;
  let ravi: Patient;
  let leave: RawEnvelope;
  let booking: RawEnvelope;

  it('forgets the patient everywhere, keeps statuses and counts, and leaves the other patient of the fan-out alone', async () => {
    asha = newPatient('Asha');
    ravi = newPatient('Ravi');
    leave = emergencyLeaveFor(asha, ravi);
    await recordAndProject(service, leave);
    const leaveRows = await sentRows(leave.eventId, 4); // WhatsApp and email to each.
    booking = confirmedFor(asha, 5);
    await recordAndProject(service, booking);
    await sentRows(booking.eventId, 2);
    // Asha writes back: a conversation, and an in-app alert to the front desk with her words.
    const words = `please call me back ${tag()}`;
    await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: asha.phone, id: `wamid.${tag()}`, sentAt: clock.now(), content: { type: 'text', text: { body: words } } });
    await until(async () => (await service.db.selectFrom('staff_alerts').select('title').where('event_type', '=', 'patient.replied').execute()).length > 0 || null, { what: 'the front desk alert' });
    await settle(service);
    const scheduled = await service.db.selectFrom('reminders').select(['reminder_id', 'status']).where('appointment_id', '=', (booking.data as { appointment: { id: string } }).appointment.id).execute();
    expect(scheduled.length).toBeGreaterThan(0);
    expect(scheduled.every((r) => r.status === 'scheduled')).toBe(true);
    // Nowhere in clear, in any table, even before: the ledger and the read models keep it sealed, the key store wrapped.
    for (const secret of [asha.phone.slice(1), asha.email, asha.name, words]) expect(await rowsContaining(secret)).toEqual([]);
    // Yet the API opens it for whoever may see it.
    const before = await service.db.selectFrom('notifications').select('notification_id').where('recipient_id', '=', asha.id).where('channel', '=', 'whatsapp').execute();
    expect((await notificationView(before[0]!.notification_id)).notification.recipient.address).toBe(asha.phone);

    const done = await erase(asha.id);
    expect(done.erasePerson).toMatchObject({ __typename: 'PersonErasure', kind: 'PATIENT', id: asha.id });
    expect(done.erasePerson.keysDestroyed as number).toBeGreaterThanOrEqual(2);
    expect(done.erasePerson.contacts as number).toBeGreaterThanOrEqual(2); // her phone and email
    // Every lane past the erasure, and the reminders' cancellations it decided applied too.
    const [erasure] = await readStreamToArray(service.store, streamName.erasure('patient', asha.id));
    await service.whenProcessed(erasure!.position);
    const after = await until(async () => {
      const rows = await service.db.selectFrom('reminders').select(['status', 'reason']).where('reminder_id', 'in', scheduled.map((r) => r.reminder_id)).execute();
      return rows.every((r) => r.status === 'cancelled') ? rows : null;
    }, { what: 'her reminders cancelled' });
    await settle(service);

    // Nowhere in clear, in any table: read models, ledger, key store.
    for (const secret of [asha.phone.slice(1), asha.email, asha.name, words]) expect(await rowsContaining(secret)).toEqual([]);

    // The API: [erased] where her data was; statuses and attempts stay.
    const ashaWhatsApp = leaveRows.find((r) => r.recipient_id === asha.id && r.channel === 'whatsapp')!;
    const seen = await notificationView(ashaWhatsApp.notification_id);
    expect(seen.notification).toMatchObject({ status: 'sent', attempts: 1, recipient: { id: asha.id, address: ERASED }, content: { previewText: ERASED } });
    // Ravi, in the same fan-out, is untouched.
    const raviWhatsApp = leaveRows.find((r) => r.recipient_id === ravi.id && r.channel === 'whatsapp')!;
    const his = await notificationView(raviWhatsApp.notification_id);
    expect(his.notification.recipient.address).toBe(ravi.phone);
    expect(his.notification.content?.previewText).toContain(ravi.name.split(' ')[0]);

    // Her reminders will not be sent: cancelled as person-erased.
    expect(after.map((r) => [r.status, r.reason])).toEqual(after.map(() => ['cancelled', 'person-erased']));

    // The front desk's alert keeps its row and shows [erased] for her words.
    const alerts = await service.db.selectFrom('staff_alerts').select(['title', 'body']).where('event_type', '=', 'patient.replied').execute();
    expect((await service.cells.open(alerts)).map((a) => [a.title, a.body])).toEqual(alerts.map(() => [ERASED, ERASED]));

    // Nor in anything the service logged, at debug level, from her booking to her erasure.
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [asha.phone.slice(1), asha.email, asha.name, words]) expect(logLines.filter((line) => line.includes(secret))).toEqual([]);
  }, 120_000);

  it('rebuilds, on replay, exactly the scrubbed read models', async () => {
    await settle(service);
    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_erasure', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);

  it('sends to the same patient id again when new data arrives after the erasure, under a new key', async () => {
    const again = { ...newPatient('Asha'), id: asha.id };
    const raw = confirmedFor(again, 9);
    await recordAndProject(service, raw);
    const rows = await sentRows(raw.eventId, 2);
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect((await service.cells.open(rows.map((r) => r.recipient_address))).sort()).toEqual([again.email, again.phone].sort());
  }, 60_000);

  it('finishes an erasure cut short after its record: the contacts recorded then go too, though the read models no longer know them', async () => {
    const mira = newPatient('Mira');
    await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: mira.phone, id: `wamid.${tag()}`, sentAt: clock.now(), content: { type: 'text', text: { body: `hello ${tag()}` } } });
    const conversationId = contactHash(service.keys, 'phone', mira.phone);
    const messages = () => readStreamToArray(service.store, streamName.conversation(conversationId));
    await until(async () => ((await messages()).length > 0 ? true : null), { what: 'her message recorded' });
    // The first erasure recorded, then the process died before any key went.
    const cut: PersonErased = { kind: 'patient', id: mira.id, reason: 'consent withdrawn', actor: 'admin', contacts: [conversationId], erasedAt: clock.now().toISOString() };
    const recorded = await service.store.append(streamName.erasure('patient', mira.id), [{ id: randomUUID(), type: ERASURE_EVENT_TYPES.personErased, data: cut, metadata: { actor: 'admin' } }], 'any');
    if (!recorded.ok) throw recorded.error;
    await service.whenProcessed(recorded.position);
    expect(JSON.stringify((await messages())[0]!.data)).toContain('hello');

    const again = await erase(mira.id);
    expect(again.erasePerson).toMatchObject({ __typename: 'PersonErasure', contacts: 1 });
    expect(again.erasePerson.keysDestroyed as number).toBeGreaterThanOrEqual(1);
    expect((await messages())[0]!.data).toMatchObject({ conversationId, text: ERASED });
  }, 60_000);

  it('refuses a missing reason and an unknown kind with the field named, and changes nothing', async () => {
    // What an erasure would change: its record, and the person's keys. (The ledger's head is no measure: the
    // service's lanes may still be appending what earlier tests set going.)
    const erasureOf = (id: string) => readStreamToArray(service.store, streamName.erasure('patient', id));
    const liveKeys = async () => (await sql<{ n: number }>`select count(*)::int as n from person_keys where person_id = ${ravi.id} and wrapped is not null`.execute(service.db)).rows[0]!.n;
    const keysBefore = await liveKeys();
    expect(keysBefore).toBeGreaterThan(0);
    const answer = await erase(ravi.id, ' ');
    expect(answer.erasePerson).toEqual({ __typename: 'ValidationError', issues: [{ path: 'reason' }] });
    const wrongKind = await gql(service, ADMIN_TOKEN, `mutation { erasePerson(kind: DOCTOR, id: "d-1", reason: "asked") { __typename } }`);
    expect(wrongKind.errors?.[0]?.message).toMatch(/DOCTOR/);
    expect(await erasureOf(ravi.id)).toEqual([]);
    expect(await liveKeys()).toBe(keysBefore);
  });

  it('is for admins only', async () => {
    const denied = await gql(service, AUDITOR_TOKEN, `mutation { erasePerson(kind: PATIENT, id: "pat-x", reason: "asked") { __typename } }`);
    expect(denied.errors?.[0]?.message).toMatch(/not authorized/i);
  });
});
