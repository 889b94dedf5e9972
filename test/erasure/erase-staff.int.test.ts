import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySendEffect } from '../../src/channels/send-effects.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { parsePosition, readStreamToArray } from '../../src/ledger/event-store.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { centre, envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { blockedAddressHash } from '../../src/projections/deliveries/contact-blocks.ts';
import { until } from '../support/until.ts';
import { STAFF, seedStaff, settledNotifications } from '../staff/support/staff-fixtures.ts';

// A staff member forgotten on a running service with personal data sealed: the directory keeps
// them by id, roles, centres and active flag with their name and contacts [erased], their alerts
// keep their statuses with their words [erased], nothing is sent to them any more, a colleague is
// untouched, and a replay rebuilds exactly the scrubbed rows.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

const tag = randomUUID().slice(0, 8);
const digits = () => String(Math.floor(Math.random() * 1e8)).padStart(8, '0');
const esha = {
  id: `esha-billing-${tag}`,
  name: `Esha Menon ${tag}`,
  roles: ['billing'],
  centreIds: [centre.id],
  contacts: { email: `esha.${tag}@clinic.example`, whatsapp: `+9198${digits()}`, sms: `+9197${digits()}`, pushTokens: [`fcm-esha-${tag}-old`, `fcm-esha-${tag}-new`] },
};
const bina = STAFF.find((s) => s.id === 'bina-billing')!;

beforeAll(async () => {
  service = await startTestService({ clock, personalData: 'sealed', templateSync: false, dispatcher: { pollIntervalMs: 20 } });
  await seedStaff(service, clock, [...STAFF, esha]);
});
afterAll(async () => service?.stop());

const rowsContaining = (needle: string) => tablesContaining(service.db, needle);

/** A bill with no patient named: its alert's words are the staff member's own. */
function billWithoutPatient(): RawEnvelope {
  const raw = validEnvelope('billing.bill_generated');
  delete raw.data.patient;
  return raw;
}

const secretsOf = (member: typeof esha) => [member.name, member.contacts.email, member.contacts.whatsapp.slice(1), member.contacts.sms.slice(1), ...member.contacts.pushTokens];

const erase = (id: string) =>
  gqlData<{ erasePerson: Record<string, unknown> }>(service, ADMIN_TOKEN, `
    mutation ($id: ID!) { erasePerson(kind: STAFF, id: $id, reason: "left the clinic and asked to be forgotten (ticket 5120)") {
      __typename ... on PersonErasure { kind id keysDestroyed contacts suppressed position } } }`, { id });

interface MemberView { id: string; name: string; roles: string[]; centreIds: string[]; active: boolean; contacts: { email: string | null; whatsapp: string | null; sms: string | null; pushTokens: string[] } }
async function directoryEntry(id: string, token = ADMIN_TOKEN): Promise<MemberView | undefined> {
  const { staffMembers } = await gqlData<{ staffMembers: MemberView[] }>(service, token,
    `{ staffMembers(includeInactive: true) { id name roles centreIds active contacts { email whatsapp sms pushTokens } } }`);
  return staffMembers.find((m) => m.id === id);
}

/** What the deliveries read model keeps of an event's notifications, but the address (scrubbed). */
const rowsOf = (eventId: string) => service.db.selectFrom('notifications')
  .select(['notification_id', 'recipient_id', 'channel', 'status', 'attempts', 'provider', 'provider_message_id', 'template_key', 'template_version'])
  .where('event_id', '=', eventId).orderBy('recipient_id').orderBy('channel').execute();

interface AlertView { notificationId: string; eventId: string; title: string; body: string; readAt: string | null }
const alertsOf = async (staffId: string) =>
  (await gqlData<{ staffAlerts: AlertView[] }>(service, ADMIN_TOKEN, `query ($s: String!) { staffAlerts(staffId: $s) { notificationId eventId title body readAt } }`, { s: staffId })).staffAlerts;

interface NotificationView { status: string; attempts: number; recipient: { id: string; address: string | null }; content: { subject?: string; text?: string } | null }
const notificationView = async (id: string) =>
  (await gqlData<{ notification: NotificationView }>(service, AUDITOR_TOKEN,
    `query ($id: ID!) { notification(id: $id) { status attempts recipient { id address } content { ... on RenderedEmail { subject text } } } }`, { id })).notification;

describe('erasePerson(kind: STAFF)', () => {
  let bill: RawEnvelope;

  it('forgets the member everywhere, keeps them in the directory by id and role, and leaves their colleague alone', async () => {
    // Given a bill alerted to Esha and Bina by email and in-app, one of Esha's alerts read, and one of her push tokens dead
    bill = billWithoutPatient();
    await recordAndProject(service, bill);
    const sent = await settledNotifications(service, bill.eventId);
    expect(sent.map((r) => `${r.recipient_id} ${r.channel} ${r.status}`).sort()).toEqual(
      [`${bina.id} email sent`, `${bina.id} in_app sent`, `${esha.id} email sent`, `${esha.id} in_app sent`].sort());
    const [alert] = await alertsOf(esha.id);
    await gqlData(service, ADMIN_TOKEN, `mutation ($s: String!, $n: String!) { markStaffAlertRead(staffId: $s, notificationId: $n) { __typename } }`, { s: esha.id, n: alert!.notificationId });
    await until(async () => (await alertsOf(esha.id))[0]!.readAt, { what: 'her alert read' });
    const deadToken = esha.contacts.pushTokens[0]!;
    await applySendEffect(service.store, service.keys, { kind: 'failed', provider: 'fcm', retryable: false, code: 'UNREGISTERED', message: 'token dead', effect: 'drop-token' },
      { channel: 'push', address: deadToken, personId: esha.id }, clock.now());
    await until(async () => (await service.db.selectFrom('contact_blocks').select('block').where('address_hash', '=', blockedAddressHash(service.keys, 'push', deadToken)).executeTakeFirst()) ?? null, { what: 'the dead token blocked' });
    // Nowhere in clear, even before: the ledger and the read models keep it sealed.
    for (const secret of secretsOf(esha)) expect(await rowsContaining(secret)).toEqual([]);
    const alertsBefore = await alertsOf(esha.id);
    const rowsBefore = await rowsOf(bill.eventId);
    expect(rowsBefore.filter((r) => r.recipient_id === esha.id).map((r) => r.status)).toEqual(['sent', 'read']);

    // When an admin erases her
    const done = await erase(esha.id);
    expect(done.erasePerson).toMatchObject({ __typename: 'PersonErasure', kind: 'STAFF', id: esha.id, suppressed: 0 });
    // Her email, both numbers and both push tokens, by keyed hash.
    expect(done.erasePerson.contacts).toBe(5);
    // Her data key, her month of words, and the dead token's key.
    expect(done.erasePerson.keysDestroyed as number).toBeGreaterThanOrEqual(3);
    await service.whenProcessed(parsePosition(done.erasePerson.position as string)!);

    // Then nothing of hers is in clear in any table: read models, ledger, key store.
    for (const secret of secretsOf(esha)) expect(await rowsContaining(secret)).toEqual([]);
    // The directory keeps her id, roles, centres and active flag; her name and contacts read [erased].
    expect(await directoryEntry(esha.id)).toEqual({
      id: esha.id, name: ERASED, roles: ['billing'], centreIds: [centre.id], active: true,
      contacts: { email: ERASED, whatsapp: ERASED, sms: ERASED, pushTokens: [] },
    });
    expect((await directoryEntry(esha.id, DASHBOARD_TOKEN))?.contacts).toMatchObject({ email: ERASED, whatsapp: ERASED });
    // Her alerts keep their count and read state; their words read [erased].
    const alertsAfter = await alertsOf(esha.id);
    expect(alertsAfter.map((a) => [a.notificationId, a.readAt])).toEqual(alertsBefore.map((a) => [a.notificationId, a.readAt]));
    expect(alertsAfter.every((a) => a.title === ERASED && a.body === ERASED)).toBe(true);
    // Her notifications keep status and attempts; the address and the words read [erased].
    expect(await rowsOf(bill.eventId)).toEqual(rowsBefore);
    const hers = await notificationView(sent.find((r) => r.recipient_id === esha.id && r.channel === 'email')!.notification_id);
    expect(hers).toMatchObject({ status: 'sent', attempts: 1, recipient: { id: esha.id, address: ERASED }, content: { subject: ERASED, text: ERASED } });
    // The dead token's opt-out, sealed under the token's own key, reads [erased] too.
    const [optOut] = await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'push', deadToken));
    expect(optOut?.data).toMatchObject({ channel: 'push', address: ERASED, reason: 'permanent-bounce' });

    // Bina, alerted by the same bill, is untouched.
    expect(await directoryEntry(bina.id)).toMatchObject({ name: bina.name, contacts: { email: bina.contacts.email, whatsapp: bina.contacts.whatsapp } });
    const his = await notificationView(sent.find((r) => r.recipient_id === bina.id && r.channel === 'email')!.notification_id);
    expect(his.recipient.address).toBe(bina.contacts.email);
    expect(his.content?.text).toContain(bina.name);
    expect((await alertsOf(bina.id)).find((a) => a.eventId === bill.eventId)?.title).toContain('generated');
  }, 120_000);

  it('sends nothing more to her from her old record, suppressed as erased, while her colleague still gets the alert', async () => {
    // Given her directory entry, recorded before the erasure, still active in billing
    // When another bill arrives
    const next = billWithoutPatient();
    await recordAndProject(service, next);
    // Then every route to her is suppressed as erased, in-app too, and Bina hears as before
    const rows = await settledNotifications(service, next.eventId);
    expect(rows.map((r) => `${r.recipient_id} ${r.channel} ${r.status} ${r.suppression_reason ?? '-'}`).sort()).toEqual([
      `${bina.id} email sent -`, `${bina.id} in_app sent -`, `${esha.id} email suppressed erased`, `${esha.id} in_app suppressed erased`,
    ].sort());
    expect(rows.filter((r) => r.recipient_id === esha.id).map((r) => r.recipient_address)).toEqual([null, null]);
  }, 60_000);

  it('reads a new record for the same id normally, under a new key, and alerts her at her new address', async () => {
    const again = { ...esha, name: `Esha Menon-Rao ${tag}`, contacts: { email: `esha.rao.${tag}@clinic.example` } };
    const upserted = await gqlData<{ upsertStaffMember: { name: string; contacts: { email: string }; position: string } }>(service, ADMIN_TOKEN, `
      mutation ($input: StaffMemberInput!) { upsertStaffMember(input: $input) { ... on StaffMember { name contacts { email } position } } }`,
    { input: { id: again.id, name: again.name, roles: again.roles, centreIds: again.centreIds, contacts: again.contacts } });
    expect(upserted.upsertStaffMember).toMatchObject({ name: again.name, contacts: { email: again.contacts.email } });
    await service.whenProcessed(parsePosition(upserted.upsertStaffMember.position)!);
    expect(await directoryEntry(esha.id)).toMatchObject({ name: again.name, contacts: { email: again.contacts.email, whatsapp: null, sms: null, pushTokens: [] } });
    const keys = await sql<{ scope: string; live: boolean }>`
      select scope, wrapped is not null as live from person_keys where person_kind = 'staff' and person_id = ${esha.id}`.execute(service.db);
    // The data key destroyed by the erasure stays destroyed; the new record is under a live one of its own.
    expect(keys.rows.filter((k) => k.scope === 'data').map((k) => k.live).sort()).toEqual([false, true]);

    const next = billWithoutPatient();
    await recordAndProject(service, next);
    const rows = (await settledNotifications(service, next.eventId)).filter((r) => r.recipient_id === esha.id);
    expect(await service.cells.open(rows.map((r) => [r.channel, r.status, r.recipient_address]))).toEqual([['email', 'sent', again.contacts.email], ['in_app', 'sent', esha.id]]);
    expect((await alertsOf(esha.id)).find((a) => a.eventId === next.eventId)?.title).toContain('generated');
  }, 60_000);

  it('rebuilds, on replay, exactly the scrubbed read models (the new record included)', async () => {
    await settle(service);
    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_staff_erasure', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);
});
