import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedOut } from '../../src/domain/notifications/preference-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { parsePosition } from '../../src/ledger/event-store.ts';
import { blockedAddressHash } from '../../src/projections/deliveries/contact-blocks.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { gqlData, subscribeOverWebSocket } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { centre, envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { start360DialogStandin, type Dialog360Standin, whatsappThroughStandin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';
import { postWhatsAppMessage } from '../support/whatsapp-statuses.ts';
import { STAFF, seedStaff, settledNotifications } from './support/staff-fixtures.ts';

// With personal data sealed, the staff directory and the in-app alerts keep names, contacts and
// words as cells: nothing of a staff member, a patient or a reply sits in those tables in clear,
// while routing still reaches the real addresses, an opt-out by address still blocks, the API
// shows the real words to the staff member, and a replay rebuilds the same bytes.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const WEBHOOK_SECRET = 'sealed-staff-webhook-secret';
const MY_TABLES = ['public.staff_alerts', 'public.staff_member_versions', 'public.contact_blocks'];
let service: TestService;
let whatsapp: Dialog360Standin;

const tag = randomUUID().slice(0, 8);
const digits = () => String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
const kavya = {
  id: `kavya-billing-${tag}`,
  name: `Kavya Menon ${tag}`,
  roles: ['billing', 'front_desk'],
  centreIds: [centre.id],
  contacts: { email: `kavya.${tag}@clinic.example`, whatsapp: `+9198${digits()}`, sms: `+9197${digits()}`, pushTokens: [`fcm-kavya-${tag}`] },
};
const patient = { id: `pat-${randomUUID()}`, name: `Zoya Q${tag}`, phone: `+9196${digits()}`, email: `zoya.${tag}@example.com` };
const replyWords = `please move my visit ${tag}`;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  service = await startTestService({
    clock,
    personalData: 'sealed',
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    env: whatsappThroughStandin(whatsapp, WEBHOOK_SECRET),
  });
  await seedStaff(service, clock, [...STAFF, kavya]);
});
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
});

/** Which of the tables this change seals hold `needle` in clear. */
const mineContaining = async (needle: string) => (await tablesContaining(service.db, needle)).filter((t) => MY_TABLES.includes(t));
const secretsOfKavya = [kavya.name, kavya.contacts.email, kavya.contacts.whatsapp.slice(1), kavya.contacts.sms.slice(1), ...kavya.contacts.pushTokens];

function billFor(p: typeof patient | null): RawEnvelope {
  const raw = validEnvelope('billing.bill_generated');
  if (p) raw.data.patient = p;
  else delete raw.data.patient;
  return raw;
}

interface AlertView { notificationId: string; eventId: string; title: string; body: string }
const ALERT_FIELDS = 'notificationId eventId title body';
const alertsOf = async (staffId: string) =>
  (await gqlData<{ staffAlerts: AlertView[] }>(service, ADMIN_TOKEN, `query ($s: String!) { staffAlerts(staffId: $s) { ${ALERT_FIELDS} } }`, { s: staffId })).staffAlerts;

interface MemberView { name: string; contacts: { email: string | null; whatsapp: string | null; sms: string | null; pushTokens: string[] } }
const directoryEntry = async (id: string) =>
  (await gqlData<{ staffMembers: (MemberView & { id: string })[] }>(service, ADMIN_TOKEN,
    '{ staffMembers(includeInactive: true) { id name contacts { email whatsapp sms pushTokens } } }')).staffMembers.find((m) => m.id === id);

const sandbox = (channel: 'email') => service.transports[channel] as SandboxTransport;

describe('staff rows with personal data sealed', () => {
  it('keep the directory sealed, yet route to the member\'s real address and show them whole to an admin', async () => {
    // Given Kavya in the directory
    // Then her record holds her name and contacts only as cells
    for (const secret of secretsOfKavya) expect(await mineContaining(secret)).toEqual([]);
    const [row] = await sql<{ record: { id: string; name: string; contacts: Record<string, unknown> } }>`
      select record from staff_member_versions where staff_id = ${kavya.id}`.execute(service.db).then((r) => r.rows);
    expect(row!.record.name).toMatch(/^pdc1\./);
    expect(row!.record.contacts).toHaveProperty('$cell');
    // And the API shows her whole
    expect(await directoryEntry(kavya.id)).toEqual({ id: kavya.id, name: kavya.name, contacts: { ...kavya.contacts } });

    // When a bill about Zoya arrives
    const bill = billFor(patient);
    await recordAndProject(service, bill);
    const rows = await settledNotifications(service, bill.eventId);
    // Then routing opened her contacts: the email went to her real address, with her name in it
    const mine = rows.find((r) => r.recipient_id === kavya.id && r.channel === 'email')!;
    expect(mine.status).toBe('sent');
    const email = sandbox('email').sent.find((m) => m.notificationId === mine.notification_id)!;
    expect(email.to).toBe(kavya.contacts.email);
    expect((email.rendered as { text: string }).text).toContain(kavya.name);
  }, 60_000);

  it('keep an alert\'s words sealed, and show them to the staff member by query and live subscription', async () => {
    // Given Kavya listening live
    const live = subscribeOverWebSocket<{ staffAlerts: AlertView }>(service, ADMIN_TOKEN, `subscription ($s: String!) { staffAlerts(staffId: $s) { ${ALERT_FIELDS} } }`, { s: kavya.id });
    await until(() => service.staffAlerts.listenerCount(kavya.id) > 0 || null, { what: 'the subscription to start' });
    // When a bill about Zoya arrives
    const bill = billFor(patient);
    await recordAndProject(service, bill);
    await settledNotifications(service, bill.eventId);
    const heard = await until(() => live.received.find((a) => a.staffAlerts.eventId === bill.eventId) ?? null, { what: 'the live alert' });
    await live.close();
    expect(live.errors).toEqual([]);

    // Then the live alert and the query show the real words: the bill and Zoya's name
    expect(heard.staffAlerts.title).toContain('INV-2026-0042');
    expect(heard.staffAlerts.body).toContain(patient.name);
    const listed = (await alertsOf(kavya.id)).find((a) => a.eventId === bill.eventId)!;
    expect(listed).toEqual(heard.staffAlerts);
    // While the row keeps cells, and neither her name nor Zoya's in clear
    const stored = await service.db.selectFrom('staff_alerts').select(['title', 'body']).where('notification_id', '=', listed.notificationId).executeTakeFirstOrThrow();
    expect(stored.title).toMatch(/^pdc1\./);
    expect(stored.body).toMatch(/^pdc1\./);
    for (const secret of [patient.name, ...secretsOfKavya]) expect(await mineContaining(secret)).toEqual([]);
  }, 60_000);

  it('keep a patient\'s reply out of the front desk\'s alert rows, and show it to the front desk', async () => {
    // Given Zoya booked at the centre, so her number is known there
    const booking = validEnvelope('appointment.confirmed');
    booking.data.patient = patient;
    await recordAndProject(service, booking);
    await settledNotifications(service, booking.eventId);
    // When she writes back
    await postWhatsAppMessage(service, WEBHOOK_SECRET, { from: patient.phone, id: `wamid.${tag}`, sentAt: clock.now(), content: { type: 'text', text: { body: replyWords } } });
    // Then the front desk reads her words
    const alert = await until(async () => (await alertsOf(kavya.id)).find((a) => `${a.title} ${a.body}`.includes(replyWords)) ?? null, { what: 'the front desk alert with her words' });
    expect(alert.eventId).toBeTruthy();
    await settle(service);
    // And nowhere in these tables are her words, her number or her email in clear
    for (const secret of [replyWords, patient.phone.slice(1), patient.email, patient.name]) expect(await mineContaining(secret)).toEqual([]);
  }, 60_000);

  it('still blocks an address that bounced, found by its keyed hash', async () => {
    // Given Kavya's email bounced permanently (an address-only block, as SES reports it)
    const bounce: ContactOptedOut = { channel: 'email', address: kavya.contacts.email, personId: null, reason: 'permanent-bounce', at: clock.now().toISOString(), actor: 'system' };
    const appended = await service.store.append(streamName.contactPreference(service.keys, 'email', kavya.contacts.email),
      [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES.optedOut, data: bounce, metadata: { actor: 'system' } }], 'any');
    if (!appended.ok) throw appended.error;
    await service.whenProcessed(appended.position);
    const blocks = await service.db.selectFrom('contact_blocks').select(['channel', 'block', 'address', 'address_hash'])
      .where('address_hash', '=', blockedAddressHash(service.keys, 'email', kavya.contacts.email)).execute();
    expect(blocks).toEqual([{ channel: 'email', block: 'bounced-address', address: null, address_hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

    // When the next bill arrives
    const bill = billFor(null);
    await recordAndProject(service, bill);
    // Then her email is suppressed as bounced, her in-app alert still goes, and her colleague's email too
    const rows = (await settledNotifications(service, bill.eventId)).filter((r) => r.recipient_id === kavya.id || r.recipient_id === 'bina-billing');
    expect(rows.map((r) => `${r.recipient_id} ${r.channel} ${r.status} ${r.suppression_reason ?? '-'}`).sort()).toEqual([
      `bina-billing email sent -`, `bina-billing in_app sent -`, `${kavya.id} email suppressed bounced-address`, `${kavya.id} in_app sent -`,
    ].sort());
    for (const secret of secretsOfKavya) expect(await mineContaining(secret)).toEqual([]);
  }, 60_000);

  it('scrub the member on erasure as a rebuild reads them, and a replay finds no difference', async () => {
    // When Kavya is erased
    const done = await gqlData<{ erasePerson: { position: string } }>(service, ADMIN_TOKEN, `
      mutation ($id: ID!) { erasePerson(kind: STAFF, id: $id, reason: "left the clinic (ticket 5200)") { ... on PersonErasure { position } } }`, { id: kavya.id });
    await service.whenProcessed(parsePosition(done.erasePerson.position)!);
    // Then her directory entry reads [erased], her own alerts' words too, those about Zoya stay Zoya's
    expect(await directoryEntry(kavya.id)).toEqual({ id: kavya.id, name: ERASED, contacts: { email: ERASED, whatsapp: ERASED, sms: ERASED, pushTokens: [] } });
    const alerts = await alertsOf(kavya.id);
    expect(alerts.filter((a) => a.body.includes(patient.name)).length).toBeGreaterThan(0);
    expect(alerts.filter((a) => !a.body.includes(patient.name) && !a.body.includes(replyWords)).every((a) => a.title === ERASED && a.body === ERASED)).toBe(true);
    // Her bounced address's block is gone with her keys, as a rebuild reads it
    expect(await service.db.selectFrom('contact_blocks').select('block')
      .where('address_hash', '=', blockedAddressHash(service.keys, 'email', kavya.contacts.email)).execute()).toEqual([]);

    // And a replay rebuilds exactly the live rows, cells byte for byte
    await settle(service);
    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_sealed_staff', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);
});
