import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactHash } from '../../src/domain/keys/ledger-keys.ts';
import { isCell } from '../../src/domain/keys/sealed-cell.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { maskPhone } from '../../src/domain/mask-contact.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { startWebhookReceiver, verifies, type ReceivedWebhook, type WebhookReceiver } from '../support/standins/webhook-receiver.ts';
import { start360DialogStandin, type Dialog360Standin, whatsappThroughStandin } from '../support/standins/whatsapp-360dialog-standin.ts';
import { settle, tablesContaining } from '../support/tables-containing.ts';
import { until } from '../support/until.ts';
import { postWhatsAppMessage } from '../support/whatsapp-statuses.ts';

// The deliveries read model and the webhook outbox on a service with personal data sealed: the
// address a notification went to and what a webhook body carries about a person are kept as cells,
// opened for the API and for the endpoint just before use; lookups by address go by keyed hash;
// a replay rebuilds the same cells; an erasure leaves `[erased]` in both, as a rebuild does.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const MINUTE = 60_000;
const WHATSAPP_SECRET = 'sealed-rows-whatsapp-secret';
let database: TestDatabase;
let service: TestService;
let whatsapp: Dialog360Standin;
let receiver: WebhookReceiver;

beforeAll(async () => {
  whatsapp = await start360DialogStandin();
  receiver = await startWebhookReceiver();
  database = await createTestDatabase();
  service = await startTestService({
    clock,
    database,
    personalData: 'sealed',
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    outboundWebhooks: { pollIntervalMs: 50 },
    env: {
      ...whatsappThroughStandin(whatsapp, WHATSAPP_SECRET),
      // The receiver listens on loopback, which only this flag lets the service call.
      WEBHOOK_ALLOW_PRIVATE: 'true',
    },
  });
});
afterAll(async () => {
  await service?.stop();
  await receiver?.close();
  await whatsapp?.close();
  await database?.drop();
});

const tag = () => randomUUID().slice(0, 8);

interface Endpoint {
  id: string;
  secret: string;
  path: string;
}

async function createEndpoint(kinds: string[], includeContacts: boolean): Promise<Endpoint> {
  const path = `/hooks/${randomUUID()}`;
  const data = await gqlData<{ createWebhookEndpoint: { secret: string; endpoint: { id: string } } }>(service, ADMIN_TOKEN, `
    mutation ($url: String!, $kinds: [String!]!, $includeContacts: Boolean) {
      createWebhookEndpoint(url: $url, eventKinds: $kinds, description: "HIS", includeContacts: $includeContacts) {
        ... on WebhookEndpointSecret { secret endpoint { id } }
      }
    }`, { url: receiver.url(path), kinds, includeContacts });
  receiver.trust(path, data.createWebhookEndpoint.secret);
  await settle(service);
  return { id: data.createWebhookEndpoint.endpoint.id, secret: data.createWebhookEndpoint.secret, path };
}

interface Body {
  type: string;
  data: { notificationId?: string; status?: string; channel?: string; recipient?: { id: string; address: string | null }; text?: string | null; centreId?: string | null };
}
const bodyOf = (r: ReceivedWebhook) => JSON.parse(r.body.toString()) as Body;

/** What `endpoint` received once `done` holds of it. */
const receivedBy = (endpoint: Endpoint, done: (bodies: Body[]) => boolean, what: string) =>
  until(() => {
    service.webhookSender!.poke();
    const got = receiver.received(endpoint.path);
    return done(got.map(bodyOf)) ? got : null;
  }, { what, timeoutMs: 15_000 });

const notificationView = (token: string, id: string) =>
  gqlData<{ notification: { recipient: { id: string; address: string | null } } }>(service, token, `query ($id: ID!) { notification(id: $id) { recipient { id address } } }`, { id });

const deliveriesView = (endpoint: Endpoint) =>
  gqlData<{ webhookDeliveries: { nodes: { webhookId: string; payload: Body }[] } }>(service, ADMIN_TOKEN, `
    query ($id: ID!) { webhookDeliveries(endpointId: $id, first: 100) { ... on WebhookDeliveryList { nodes { webhookId payload } } } }`, { id: endpoint.id });

describe('notifications and webhook messages about a patient, with personal data sealed', () => {
  const patient = { id: `pat-${randomUUID()}`, name: `Asha Q${tag()}`, phone: `+919${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`, email: `asha.${tag()}@example.com` };
  const words = `can I come at eleven ${tag()}`;
  let booking: RawEnvelope;
  let trusted: Endpoint;
  let plain: Endpoint;
  let rows: { notification_id: string; channel: string; recipient_address: string | null; recipient_address_hash: string | null }[];

  it('keeps neither the number nor the email in clear in the notifications or the webhook messages, and finds the rows by keyed hash', async () => {
    trusted = await createEndpoint(['notification.status_changed', 'patient.replied'], true);
    plain = await createEndpoint(['notification.status_changed'], false);
    booking = validEnvelope('appointment.confirmed');
    (booking.data as { patient: unknown }).patient = patient;
    await recordAndProject(service, booking);
    rows = await until(async () => {
      service.dispatcher?.poke();
      const found = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', booking.eventId).execute();
      return found.length === 2 && found.every((r) => r.status === 'sent') ? found : null;
    }, { what: 'the confirmation sent on WhatsApp and email' });
    // The patient answers on WhatsApp: the reply is told to the clinic's trusted endpoint.
    await postWhatsAppMessage(service, WHATSAPP_SECRET, { from: patient.phone, id: `wamid.${tag()}`, sentAt: clock.now(), content: { type: 'text', text: { body: words } } });
    await receivedBy(trusted, (bodies) => bodies.some((b) => b.type === 'patient.replied') && bodies.filter((b) => b.data.status === 'sent').length === 2, 'both sends and the reply at the trusted endpoint');
    await receivedBy(plain, (bodies) => bodies.filter((b) => b.data.status === 'sent').length === 2, 'both sends at the other endpoint');
    await settle(service);

    for (const secret of [patient.phone.slice(1), patient.email, words]) {
      const tables = await tablesContaining(service.db, secret);
      expect(tables).not.toContain('public.notifications');
      expect(tables).not.toContain('public.webhook_deliveries');
    }
    expect(rows.every((r) => r.recipient_address?.startsWith('pdc1.'))).toBe(true);
    const whatsappRow = rows.find((r) => r.channel === 'whatsapp')!;
    const emailRow = rows.find((r) => r.channel === 'email')!;
    expect(whatsappRow.recipient_address_hash).toBe(contactHash(service.keys, 'phone', patient.phone));
    expect(emailRow.recipient_address_hash).toBe(contactHash(service.keys, 'email', patient.email));
  }, 60_000);

  it('shows the real address to an auditor, masked to a dashboard, and finds notifications by it', async () => {
    const whatsappRow = rows.find((r) => r.channel === 'whatsapp')!;
    const emailRow = rows.find((r) => r.channel === 'email')!;
    expect((await notificationView(AUDITOR_TOKEN, whatsappRow.notification_id)).notification.recipient).toEqual({ id: patient.id, address: patient.phone });
    expect((await notificationView(AUDITOR_TOKEN, emailRow.notification_id)).notification.recipient.address).toBe(patient.email);
    expect((await notificationView(DASHBOARD_TOKEN, whatsappRow.notification_id)).notification.recipient.address).toBe(maskPhone(patient.phone));

    const byAddress = (address: string) => gqlData<{ notifications: { edges: { node: { id: string; channel: string } }[] } }>(service, AUDITOR_TOKEN, `
      query ($address: String!) { notifications(filter: { recipient: $address }) { edges { node { id channel } } } }`, { address });
    expect((await byAddress(patient.phone)).notifications.edges.map((e) => e.node)).toEqual([{ id: whatsappRow.notification_id, channel: 'whatsapp' }]);
    expect((await byAddress(patient.email.toUpperCase())).notifications.edges.map((e) => e.node)).toEqual([{ id: emailRow.notification_id, channel: 'email' }]);
  });

  it('sends the real values, signed over what is sent, to the endpoint trusted with contacts, and masks them for the other', async () => {
    const got = receiver.received(trusted.path);
    for (const delivery of got) {
      expect(delivery.verified).toBe(true);
      expect(verifies(trusted.secret, delivery.body, delivery.headers)).toBe(true);
      expect(delivery.body.toString()).not.toContain('pdc1.');
    }
    const sent = got.map(bodyOf).filter((b) => b.data.status === 'sent');
    expect(sent.map((b) => [b.data.channel, b.data.recipient]).sort()).toEqual([
      ['email', { kind: 'patient', id: patient.id, address: patient.email }],
      ['whatsapp', { kind: 'patient', id: patient.id, address: patient.phone }],
    ]);
    // The reply, with its words, and the centre of the last message sent to the number (found by its keyed hash).
    const reply = got.map(bodyOf).find((b) => b.type === 'patient.replied')!;
    expect(reply.data).toMatchObject({ text: words, centreId: (booking.data as { centre: { id: string } }).centre.id });

    const masked = receiver.received(plain.path);
    expect(masked.every((d) => d.verified && !d.body.toString().includes('pdc1.'))).toBe(true);
    const maskedSent = masked.map(bodyOf).filter((b) => b.data.status === 'sent' && b.data.channel === 'whatsapp');
    expect(maskedSent.map((b) => b.data.recipient?.address)).toEqual([maskPhone(patient.phone)]);
    expect(masked.map((d) => d.body.toString()).join('\n')).not.toContain(patient.phone.slice(1));
  });

  it('shows a stored message over GraphQL as the endpoint got it', async () => {
    const shown = (await deliveriesView(trusted)).webhookDeliveries.nodes;
    const arrived = new Map(receiver.received(trusted.path).map((d) => [d.webhookId, bodyOf(d)]));
    expect(shown.length).toBe(arrived.size);
    for (const node of shown) expect(node.payload).toEqual(arrived.get(node.webhookId));
    const plainShown = (await deliveriesView(plain)).webhookDeliveries.nodes.map((n) => n.payload);
    expect(plainShown.find((b) => b.data.status === 'sent' && b.data.channel === 'whatsapp')?.data.recipient?.address).toBe(maskPhone(patient.phone));
  });

  it('sends the same bytes again on a replay of the endpoint, signed alike', async () => {
    await until(async () => {
      const pending = await service.db.selectFrom('webhook_deliveries').select(['status', 'claimed_by']).where('endpoint_id', '=', trusted.id).execute();
      return pending.every((r) => r.status !== 'pending' && r.claimed_by === null) ? true : null;
    }, { what: 'every message to the endpoint settled', timeoutMs: 15_000 });
    const first = receiver.received(trusted.path);
    await gqlData(service, ADMIN_TOKEN, `mutation ($id: ID!, $from: DateTime!) { replayWebhookDeliveries(endpointId: $id, from: $from) { __typename } }`,
      { id: trusted.id, from: new Date(clock.now().getTime() - MINUTE).toISOString() });
    await settle(service);
    const again = await until(() => {
      service.webhookSender!.poke();
      const got = receiver.received(trusted.path);
      return got.length >= first.length * 2 ? got.slice(first.length) : null;
    }, { what: 'every message a second time', timeoutMs: 15_000 });
    for (const delivery of first) {
      const repeated = again.find((d) => d.webhookId === delivery.webhookId)!;
      expect(repeated.body.equals(delivery.body)).toBe(true);
      expect(verifies(trusted.secret, repeated.body, repeated.headers)).toBe(true);
    }
  }, 60_000);

  it('finds the person behind a STOP by the number\'s keyed hash', async () => {
    await postWhatsAppMessage(service, WHATSAPP_SECRET, { from: patient.phone, id: `wamid.${tag()}`, sentAt: clock.now(), content: { type: 'text', text: { body: 'STOP' } } });
    const [optedOut] = await until(async () => {
      const events = await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'whatsapp', patient.phone));
      return events.length > 0 ? events : null;
    }, { what: 'the opt-out recorded' });
    expect(optedOut).toMatchObject({ type: 'ContactOptedOut', data: { personId: patient.id, reason: 'stop-reply' } });
    await service.whenProcessed(optedOut!.position);
  });

  it('rebuilds, on replay, the same cells in the notifications and the webhook messages', async () => {
    await settle(service);
    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_sealed_rows', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);

  it('leaves [erased] in both once the patient is erased, as a rebuild does', async () => {
    const erased = await gqlData<{ erasePerson: { __typename: string; contacts: number } }>(service, ADMIN_TOKEN, `
      mutation ($id: ID!) { erasePerson(kind: PATIENT, id: $id, reason: "asked to be forgotten (ticket 4712)") { __typename ... on PersonErasure { contacts } } }`, { id: patient.id });
    // Her number and her email, found by opening the addresses the notifications keep.
    expect(erased.erasePerson).toEqual({ __typename: 'PersonErasure', contacts: 2 });
    const [erasure] = await readStreamToArray(service.store, streamName.erasure('patient', patient.id));
    await service.whenProcessed(erasure!.position);
    await settle(service);

    const whatsappRow = rows.find((r) => r.channel === 'whatsapp')!;
    expect((await notificationView(AUDITOR_TOKEN, whatsappRow.notification_id)).notification.recipient.address).toBe(ERASED);
    const stored = await service.db.selectFrom('notifications').select(['recipient_address', 'recipient_address_hash']).where('event_id', '=', booking.eventId).execute();
    // The cells stay as they were, and open to [erased] now (a rebuild copies the same); the hash a rebuild cannot compute goes.
    expect(stored.every((r) => isCell(r.recipient_address))).toBe(true);
    expect(await service.cells.open(stored)).toEqual([{ recipient_address: ERASED, recipient_address_hash: null }, { recipient_address: ERASED, recipient_address_hash: null }]);
    // The stored bodies, as anything reading them opens them.
    const bodies = (await service.cells.open((await service.db.selectFrom('webhook_deliveries').select('body').where('endpoint_id', 'in', [trusted.id, plain.id]).execute()).map((r) => JSON.parse(r.body) as Body)));
    const hers = bodies.filter((b) => b.data.recipient?.id === patient.id);
    expect(hers.length).toBeGreaterThanOrEqual(8);
    expect(hers.every((b) => b.data.recipient?.address === ERASED)).toBe(true);
    expect(bodies.find((b) => b.type === 'patient.replied')?.data.text).toBe(ERASED);
    const shown = (await deliveriesView(trusted)).webhookDeliveries.nodes.map((n) => n.payload);
    expect(shown.filter((b) => b.data.recipient?.id === patient.id).every((b) => b.data.recipient?.address === ERASED)).toBe(true);

    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_sealed_rows_erased', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
  }, 120_000);
});
