import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordProviderCallback } from '../../src/commands/inbound/record-provider-callback.ts';
import { deadLetterRecorder } from '../../src/commands/inbound/record-dead-letter.ts';
import { deadLetterId } from '../../src/domain/intake/dead-letter-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { webhookMessageId } from '../../src/domain/webhooks/outbound-signature.ts';
import type { WebhookDeliveryAttempted } from '../../src/domain/webhooks/webhook-delivery-events.ts';
import { readStreamToArray, type RecordedEvent } from '../../src/ledger/event-store.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { fixedClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { gql, gqlData } from '../graphql/support/graphql-client.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { startWebhookReceiver, verifies, type WebhookReceiver } from '../support/standins/webhook-receiver.ts';
import { until } from '../support/until.ts';

// The service's clock moves only when a test moves it; the receiver's (and webhook-timestamp's) is the machine's.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let service: TestService;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  service = await startTestService({
    clock,
    templateSync: false,
    dispatcher: { pollIntervalMs: 20 },
    outboundWebhooks: { pollIntervalMs: 50 },
    // The receiver listens on loopback, which only this flag lets the service call.
    env: { WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
});
afterAll(async () => {
  await service?.stop();
  await receiver?.close();
});

interface Endpoint {
  id: string;
  secret: string;
  path: string;
}

/** An endpoint created by an admin over GraphQL, at a path of the receiver's own, which trusts its secret. */
async function createEndpoint(kinds: string[], includeContacts = false): Promise<Endpoint> {
  const path = `/hooks/${randomUUID()}`;
  const data = await gqlData<{ createWebhookEndpoint: { __typename: string; secret: string; endpoint: { id: string } } }>(service, ADMIN_TOKEN, `
    mutation ($url: String!, $kinds: [String!]!, $includeContacts: Boolean) {
      createWebhookEndpoint(url: $url, eventKinds: $kinds, description: "HIS", includeContacts: $includeContacts) {
        __typename ... on WebhookEndpointSecret { secret endpoint { id } } ... on ValidationError { message }
      }
    }`, { url: receiver.url(path), kinds, includeContacts });
  expect(data.createWebhookEndpoint.__typename).toBe('WebhookEndpointSecret');
  receiver.trust(path, data.createWebhookEndpoint.secret);
  await settle();
  return { id: data.createWebhookEndpoint.endpoint.id, secret: data.createWebhookEndpoint.secret, path };
}

async function setEnabled(endpoint: Endpoint, enabled: boolean): Promise<void> {
  const name = enabled ? 'enableWebhookEndpoint' : 'disableWebhookEndpoint';
  await gqlData(service, ADMIN_TOKEN, `mutation ($id: ID!) { ${name}(id: $id) { __typename } }`, { id: endpoint.id });
  await settle();
}

/** Waits until the projections have applied everything in the ledger now. */
async function settle(): Promise<void> {
  const head = await service.store.headPosition();
  if (head) await service.whenProcessed(head);
}

/** An upstream message refused by the intake: exactly one `event.dead_lettered` per endpoint that hears them. */
async function deadLetter(): Promise<{ sourceEventId: string }> {
  const body = Buffer.from(JSON.stringify({ eventId: randomUUID(), type: 'appointment.confirmed', data: {} }));
  const message = { body, routingKey: 'appointment.confirmed', messageId: randomUUID(), kind: 'invalid-payload', reason: 'data.patient: required', via: 'amqp' as const };
  await deadLetterRecorder(service.store, clock)(message);
  const id = deadLetterId(message, createHash('sha256').update(body).digest('hex'));
  const [recorded] = await readStreamToArray(service.store, streamName.deadLetter(id));
  await service.whenProcessed(recorded!.position);
  service.webhookSender!.poke();
  return { sourceEventId: recorded!.id };
}

const deliveryRow = (messageId: string) => service.db.selectFrom('webhook_deliveries').selectAll().where('message_id', '=', messageId).executeTakeFirst();
const attemptsOf = async (messageId: string) =>
  (await readStreamToArray(service.store, streamName.webhookDelivery(messageId))).map((e: RecordedEvent) => e.data as WebhookDeliveryAttempted);
const endpointEvents = (endpoint: Endpoint) => readStreamToArray(service.store, streamName.webhookEndpoint(endpoint.id));

/** The row once the outbox has applied `attempts` attempts. */
const rowAfter = (messageId: string, attempts: number) =>
  until(async () => {
    service.webhookSender!.poke();
    const row = await deliveryRow(messageId);
    return row && row.attempts >= attempts ? row : null;
  }, { what: `${messageId} to have ${attempts} attempts applied`, timeoutMs: 15_000 });

describe('delivering notification outcomes', () => {
  it('sends a notification\'s sent, delivered and read as signed status_changed messages the receiver verifies, each with a stable webhook-id', async () => {
    const endpoint = await createEndpoint(['notification.status_changed']);
    // A report ready (WhatsApp and email), which schedules no reminders for the clock moves below to fire.
    const raw = validEnvelope('clinical.report_ready');
    await recordAndProject(service, raw);
    const sent = await until(async () => {
      service.dispatcher?.poke();
      return service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').where('status', '=', 'sent').executeTakeFirst();
    }, { what: 'the WhatsApp message to be sent' });
    const recorder = { store: service.store, clock };
    for (const status of ['delivered', 'read'] as const) {
      const report = { provider: 'sandbox', providerMessageId: sent.provider_message_id!, status, code: null, detail: null, reportId: `${sent.provider_message_id}:${status}`, occurredAt: clock.now().toISOString(), notificationId: sent.notification_id };
      await recordProviderCallback(recorder, 'sandbox', { reports: [report], replies: [], suppressions: [] });
    }

    type Body = { type: string; data: { notificationId: string; status: string; previousStatus: string | null; position: { revision: number }; recipient: { address: string } } };
    const ofNotification = () => receiver.received(endpoint.path).filter((r) => (JSON.parse(r.body.toString()) as Body).data.notificationId === sent.notification_id);
    const outcomes = await until(() => {
      const got = ofNotification().filter((r) => ['sent', 'delivered', 'read'].includes((JSON.parse(r.body.toString()) as Body).data.status));
      return got.length === 3 ? got : null;
    }, { what: 'sent, delivered and read at the receiver', timeoutMs: 15_000 });

    const bodies = outcomes.map((r) => JSON.parse(r.body.toString()) as Body).sort((a, b) => a.data.position.revision - b.data.position.revision);
    expect(bodies.map((b) => [b.type, b.data.previousStatus, b.data.status])).toEqual([
      ['notification.status_changed', 'sending', 'sent'],
      ['notification.status_changed', 'sent', 'delivered'],
      ['notification.status_changed', 'delivered', 'read'],
    ]);
    for (const delivery of outcomes) {
      expect(delivery.verified).toBe(true);
      expect(verifies(endpoint.secret, delivery.body, delivery.headers)).toBe(true);
      expect(delivery.contentType).toBe('application/json');
    }
    // Contacts are masked for an endpoint not trusted with them.
    expect(bodies[0]!.data.recipient.address).toMatch(/^\+91\*+\d{4}$/);
    // Each id is the message's own, derived from the endpoint, the kind and the ledger event it reports.
    const ids = outcomes.map((r) => r.webhookId);
    expect(new Set(ids).size).toBe(3);
    const notificationEvents = await readStreamToArray(service.store, streamName.notification(sent.notification_id));
    const expected = notificationEvents.map((e) => webhookMessageId(endpoint.id, 'notification.status_changed', e.id));
    for (const id of ids) expect(expected).toContain(id);
    // The planned and sending steps went too, each once: nothing was sent twice.
    expect(ofNotification().map((r) => r.webhookId).sort()).toEqual([...new Set(ofNotification().map((r) => r.webhookId))].sort());

    // A replay sends them again under the same ids. Asked once nothing is in flight: an attempt that
    // ends after the replay was asked still closes the new round (its outcome does not say which round it was made in).
    await until(async () => {
      const rows = await service.db.selectFrom('webhook_deliveries').select(['status', 'claimed_by']).where('endpoint_id', '=', endpoint.id).execute();
      return rows.length > 0 && rows.every((r) => r.status !== 'pending' && r.claimed_by === null) ? true : null;
    }, { what: 'every message to the endpoint settled', timeoutMs: 15_000 });
    const replayed = await gqlData<{ replayWebhookDeliveries: { __typename: string; queued: number } }>(service, ADMIN_TOKEN, `
      mutation ($id: ID!, $from: DateTime!) { replayWebhookDeliveries(endpointId: $id, from: $from) { __typename ... on WebhookDeliveriesReplayed { queued } } }`,
      { id: endpoint.id, from: new Date(clock.now().getTime() - MINUTE).toISOString() });
    expect(replayed.replayWebhookDeliveries.__typename).toBe('WebhookDeliveriesReplayed');
    expect(replayed.replayWebhookDeliveries.queued).toBeGreaterThanOrEqual(3);
    await settle();
    service.webhookSender!.poke();
    await until(() => ids.every((id) => receiver.received(endpoint.path).filter((r) => r.webhookId === id).length === 2), { what: 'each message to arrive a second time', timeoutMs: 15_000 });
    const [recorded] = (await endpointEvents(endpoint)).filter((e) => e.type === 'WebhookDeliveriesReplayRequested');
    expect(recorded).toMatchObject({ metadata: { actor: 'alice-admin' } });
    await setEnabled(endpoint, false);
  });

  it('tells of a notification that failed for good, and of the fallback that stands in for it', async () => {
    const endpoint = await createEndpoint(['notification.failed', 'notification.fallback'], true);
    const raw = validEnvelope('clinical.report_ready');
    await recordAndProject(service, raw);
    const sent = await until(async () => {
      service.dispatcher?.poke();
      return service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').where('status', '=', 'sent').executeTakeFirst();
    }, { what: 'the WhatsApp message to be sent' });
    const report = { provider: 'sandbox', providerMessageId: sent.provider_message_id!, status: 'failed' as const, code: '131026', detail: 'Message undeliverable', reportId: `${sent.provider_message_id}:failed`, occurredAt: clock.now().toISOString(), notificationId: sent.notification_id };
    await recordProviderCallback({ store: service.store, clock }, 'sandbox', { reports: [report], replies: [], suppressions: [] });

    type Body = { type: string; data: { notificationId: string; fallbackOf: string | null; channel: string; code?: string; reason?: string; recipient: { address: string | null } } };
    const bodies = await until(() => {
      const got = receiver.received(endpoint.path).map((r) => JSON.parse(r.body.toString()) as Body);
      return got.length >= 2 ? got : null;
    }, { what: 'the failure and the fallback at the receiver', timeoutMs: 15_000 });
    expect(receiver.received(endpoint.path).every((r) => r.verified)).toBe(true);
    const failed = bodies.find((b) => b.type === 'notification.failed');
    const fallback = bodies.find((b) => b.type === 'notification.fallback');
    expect(failed?.data).toMatchObject({ notificationId: sent.notification_id, code: '131026', channel: 'whatsapp', recipient: { address: await service.cells.open(sent.recipient_address) } });
    expect(fallback?.data).toMatchObject({ fallbackOf: sent.notification_id, channel: 'sms', reason: 'failed', recipient: { address: null } });
    expect(fallback?.data.notificationId).not.toBe(sent.notification_id);
    await setEnabled(endpoint, false);
  });

  it('tells of a patient\'s reply, its words only to an endpoint trusted with contacts, and not of a STOP', async () => {
    const plain = await createEndpoint(['patient.replied']);
    const trusted = await createEndpoint(['patient.replied'], true);
    const conversationId = createHash('sha256').update(randomUUID()).digest('hex');
    const reply = (intent: 'other' | 'opt-out', text: string) => ({
      id: randomUUID(),
      type: 'PatientMessageReceived',
      data: {
        conversationId, channel: 'whatsapp', provider: '360dialog', providerMessageId: `wamid.${randomUUID()}`, from: '+919876543210', patientIds: ['pat-1'],
        centreId: 'centre-blr', messageType: 'text', text, media: null, location: null, sentAt: clock.now().toISOString(),
        windowClosesAt: new Date(clock.now().getTime() + 24 * HOUR).toISOString(), intent, callbackId: randomUUID(),
      },
    });
    const appended = await service.store.append(streamName.conversation(conversationId), [reply('other', 'Can I come at 11 instead?'), reply('opt-out', 'STOP')], 'no-stream');
    if (!appended.ok) throw appended.error;
    await service.whenProcessed(appended.position);
    service.webhookSender!.poke();
    const text = async (endpoint: Endpoint) => {
      const [delivery] = await until(() => (receiver.received(endpoint.path).length > 0 ? receiver.received(endpoint.path) : null), { what: 'the reply at the receiver' });
      expect(delivery!.verified).toBe(true);
      return (JSON.parse(delivery!.body.toString()) as { type: string; data: { text: string | null; conversationId: string } });
    };
    expect(await text(plain)).toMatchObject({ type: 'patient.replied', data: { conversationId, text: null } });
    expect(await text(trusted)).toMatchObject({ type: 'patient.replied', data: { conversationId, text: 'Can I come at 11 instead?' } });
    expect(await service.db.selectFrom('webhook_deliveries').select('message_id').where('endpoint_id', 'in', [plain.id, trusted.id]).execute()).toHaveLength(2);
    for (const endpoint of [plain, trusted]) {
      expect(receiver.received(endpoint.path)[0]!.body.toString()).not.toContain('9876543210');
      await setEnabled(endpoint, false);
    }
  });

  it('fails verification when one byte of a delivery is changed, or its timestamp', async () => {
    const endpoint = await createEndpoint(['event.dead_lettered']);
    await deadLetter();
    const [delivery] = await until(() => (receiver.received(endpoint.path).length > 0 ? receiver.received(endpoint.path) : null), { what: 'a delivery' });
    expect(verifies(endpoint.secret, delivery!.body, delivery!.headers)).toBe(true);
    const tampered = Buffer.from(delivery!.body);
    tampered[10] = tampered[10]! ^ 0x01;
    expect(verifies(endpoint.secret, tampered, delivery!.headers)).toBe(false);
    expect(verifies(endpoint.secret, delivery!.body, { ...delivery!.headers, 'webhook-timestamp': String(delivery!.timestamp + 1) })).toBe(false);
    await setEnabled(endpoint, false);
  });
});

describe('retries', () => {
  it('retries a receiver that answers 500 twice, at 5 s and then 5 min on the service\'s clock, signing each with the wall clock; three attempts are in the ledger', async () => {
    const endpoint = await createEndpoint(['event.dead_lettered']);
    receiver.answer(endpoint.path, { status: 500, body: 'busy' }, { status: 500, body: { error: 'still busy' } });
    const { sourceEventId } = await deadLetter();
    const messageId = webhookMessageId(endpoint.id, 'event.dead_lettered', sourceEventId);

    const first = await rowAfter(messageId, 1);
    const firstAt = clock.now().getTime();
    expect(first).toMatchObject({ status: 'pending', last_outcome: 'retrying', last_http_status: 500 });
    const firstWait = new Date(first.next_attempt_at!).getTime() - firstAt;
    expect(firstWait).toBeGreaterThanOrEqual(4.5 * SECOND);
    expect(firstWait).toBeLessThanOrEqual(5.5 * SECOND);

    clock.set(first.next_attempt_at!);
    const second = await rowAfter(messageId, 2);
    const secondWait = new Date(second.next_attempt_at!).getTime() - first.next_attempt_at!.getTime();
    expect(secondWait).toBeGreaterThanOrEqual(4.5 * MINUTE);
    expect(secondWait).toBeLessThanOrEqual(5.5 * MINUTE);

    clock.set(second.next_attempt_at!);
    const third = await rowAfter(messageId, 3);
    expect(third).toMatchObject({ status: 'delivered', last_outcome: 'delivered', last_http_status: 200, next_attempt_at: null });

    const got = receiver.received(endpoint.path);
    expect(got.map((r) => r.webhookId)).toEqual([messageId, messageId, messageId]);
    for (const r of got) {
      expect(r.verified).toBe(true);
      // The machine's time, not the service's (by now more than 5 minutes ahead of it).
      expect(Math.abs(r.timestamp * 1000 - r.receivedAtMs)).toBeLessThan(5 * SECOND);
    }
    expect(clock.now().getTime() - Date.now()).toBeGreaterThan(MINUTE);

    const attempts = await attemptsOf(messageId);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([[1, 'retrying', 500], [2, 'retrying', 500], [3, 'delivered', 200]]);
    expect(attempts[0]).toMatchObject({ responseBody: 'busy', endpointId: endpoint.id, kind: 'event.dead_lettered', sourceEventId, nextAttemptAt: first.next_attempt_at!.toISOString() });
    expect(attempts[1]!.responseBody).toBe('{"error":"still busy"}');
    for (const a of attempts) expect(a.latencyMs).toBeGreaterThanOrEqual(0);

    const listed = await gqlData<{ webhookDeliveries: { nodes: { webhookId: string; status: string; attempts: { outcome: string; httpStatus: number; responseBody: string }[] }[] } }>(service, ADMIN_TOKEN, `
      query ($id: ID!) { webhookDeliveries(endpointId: $id, status: delivered) { __typename ... on WebhookDeliveryList { nodes { webhookId status attempts { outcome httpStatus responseBody } } } } }`, { id: endpoint.id });
    expect(listed.webhookDeliveries.nodes).toEqual([{
      webhookId: messageId,
      status: 'delivered',
      attempts: [{ outcome: 'retrying', httpStatus: 500, responseBody: 'busy' }, { outcome: 'retrying', httpStatus: 500, responseBody: '{"error":"still busy"}' }, { outcome: 'delivered', httpStatus: 200, responseBody: 'ok' }],
    }]);
    await setEnabled(endpoint, false);
  });

  it('disables an endpoint that answers 410, as the system, and sends it nothing more', async () => {
    const endpoint = await createEndpoint(['event.dead_lettered']);
    receiver.answer(endpoint.path, { status: 410, body: 'gone' });
    const { sourceEventId } = await deadLetter();
    const row = await rowAfter(webhookMessageId(endpoint.id, 'event.dead_lettered', sourceEventId), 1);
    expect(row).toMatchObject({ status: 'failed', last_outcome: 'gone', last_http_status: 410 });
    const disabled = await until(async () => (await endpointEvents(endpoint)).find((e) => e.type === 'WebhookEndpointDisabled'), { what: 'the endpoint to be disabled' });
    expect(disabled).toMatchObject({ data: { reason: 'gone', actor: 'system' }, metadata: { actor: 'system' } });

    await settle();
    await deadLetter();
    await settle();
    expect(receiver.received(endpoint.path)).toHaveLength(1);
    expect(await service.db.selectFrom('webhook_deliveries').select('message_id').where('endpoint_id', '=', endpoint.id).execute()).toHaveLength(1);
  });

  it('disables an endpoint down for 24 hours with reason failing and raises an admin alert; its messages wait and go once it is enabled', async () => {
    const endpoint = await createEndpoint(['event.dead_lettered']);
    receiver.answer(endpoint.path, { status: 503, body: 'down' }, { status: 503, body: 'down' });
    const { sourceEventId } = await deadLetter();
    const messageId = webhookMessageId(endpoint.id, 'event.dead_lettered', sourceEventId);
    await rowAfter(messageId, 1);

    // Its next attempt, a day later: still failing, 24 hours after the first failure.
    clock.advance(24 * HOUR);
    await rowAfter(messageId, 2);
    const disabled = await until(async () => (await endpointEvents(endpoint)).find((e) => e.type === 'WebhookEndpointDisabled'), { what: 'the endpoint to be disabled' });
    expect(disabled.data).toMatchObject({ reason: 'failing', actor: 'system' });
    const version = Number(disabled.revision) + 1;
    // Raised just after the disabling.
    const alert = await until(async () => (await readStreamToArray(service.store, streamName.inbound(`system:webhook-failing:${endpoint.id}:${version}`)))[0], { what: 'the admin alert' });
    expect(alert).toMatchObject({ type: 'InboundEventReceived', data: { type: 'system.alert', data: { alert: { kind: 'webhook-endpoint-disabled' } } } });
    expect(JSON.stringify(alert.data)).not.toContain(receiver.url(endpoint.path));

    // Disabled, its message waits however long.
    await settle();
    clock.advance(3 * HOUR);
    service.webhookSender!.poke();
    await settle();
    expect(await deliveryRow(messageId)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(receiver.received(endpoint.path)).toHaveLength(2);

    // Enabled again (the receiver fixed), it is tried at once, being long overdue.
    await setEnabled(endpoint, true);
    expect(await rowAfter(messageId, 3)).toMatchObject({ status: 'delivered', last_http_status: 200 });
    await setEnabled(endpoint, false);
  });
});

describe('rotation', () => {
  it('signs with both secrets during the overlap, each verifying on its own, and with the new one alone after it', async () => {
    const endpoint = await createEndpoint(['event.dead_lettered']);
    const rotated = await gqlData<{ rotateWebhookSecret: { secret: string } }>(service, ADMIN_TOKEN, `mutation ($id: ID!) { rotateWebhookSecret(id: $id) { ... on WebhookEndpointSecret { secret } } }`, { id: endpoint.id });
    const newSecret = rotated.rotateWebhookSecret.secret;
    receiver.trust(endpoint.path, endpoint.secret, newSecret);
    await settle();

    await deadLetter();
    const [during] = await until(() => (receiver.received(endpoint.path).length === 1 ? receiver.received(endpoint.path) : null), { what: 'a delivery during the overlap' });
    expect(during!.signature.split(' ')).toHaveLength(2);
    expect(verifies(endpoint.secret, during!.body, during!.headers)).toBe(true);
    expect(verifies(newSecret, during!.body, during!.headers)).toBe(true);

    clock.advance(24 * HOUR + SECOND);
    await deadLetter();
    const after = await until(() => (receiver.received(endpoint.path).length === 2 ? receiver.received(endpoint.path)[1] : null), { what: 'a delivery after the overlap' });
    expect(after.signature.split(' ')).toHaveLength(1);
    expect(verifies(newSecret, after.body, after.headers)).toBe(true);
    expect(verifies(endpoint.secret, after.body, after.headers)).toBe(false);
    await setEnabled(endpoint, false);
  });
});

describe('the webhook deliveries API', () => {
  it('answers typed errors naming the field: an unknown endpoint, a page out of range, a replay from the future', async () => {
    const endpoint = await createEndpoint(['event.unrouted']);
    const list = (id: string, first?: number) => gqlData<{ webhookDeliveries: { __typename: string; issues?: { path: string }[] } }>(service, ADMIN_TOKEN, `
      query ($id: ID!, $first: Int) { webhookDeliveries(endpointId: $id, first: $first) { __typename ... on ValidationError { issues { path } } } }`, { id, first });
    expect((await list('no-such-endpoint')).webhookDeliveries.__typename).toBe('NotFoundError');
    expect((await list(endpoint.id, 0)).webhookDeliveries).toEqual({ __typename: 'ValidationError', issues: [{ path: 'first' }] });
    // Once the endpoint is in the read model (a moment after it was recorded, on a loaded machine).
    await until(async () => ((await list(endpoint.id)).webhookDeliveries.__typename === 'WebhookDeliveryList' ? true : null), { what: 'the endpoint listed' });

    const replay = (id: string, from: Date) => gqlData<{ replayWebhookDeliveries: { __typename: string; issues?: { path: string }[] } }>(service, ADMIN_TOKEN, `
      mutation ($id: ID!, $from: DateTime!) { replayWebhookDeliveries(endpointId: $id, from: $from) { __typename ... on ValidationError { issues { path } } } }`, { id, from: from.toISOString() });
    expect((await replay(endpoint.id, new Date(clock.now().getTime() + MINUTE))).replayWebhookDeliveries).toEqual({ __typename: 'ValidationError', issues: [{ path: 'from' }] });
    expect((await replay('no-such-endpoint', clock.now())).replayWebhookDeliveries.__typename).toBe('NotFoundError');
    expect((await endpointEvents(endpoint)).map((e) => e.type)).toEqual(['WebhookEndpointCreated']);

    const denied = await gql(service, DASHBOARD_TOKEN, `query ($id: ID!) { webhookDeliveries(endpointId: $id) { __typename } }`, { id: endpoint.id });
    expect(denied.errors[0]?.message).toMatch(/not authorized/i);
    await setEnabled(endpoint, false);
  });
});

describe('replay of the read models', () => {
  it('rebuilds the webhook deliveries, their attempts and the endpoints\' state identical to the live ones, and calls no endpoint', async () => {
    await settle();
    const before = receiver.server.requests.length;
    const report = await replayReadModels(service.connection, { schemaPrefix: 'replay_webhooks', keys: service.keys, databaseUrl: service.database.url });
    expect(report.differences).toEqual([]);
    expect(receiver.server.requests.length).toBe(before);
    const deliveries = await service.db.selectFrom('webhook_deliveries').select('message_id').execute();
    const attempts = await service.db.selectFrom('webhook_delivery_attempts').select('message_id').execute();
    expect(deliveries.length).toBeGreaterThan(5);
    expect(attempts.length).toBeGreaterThan(5);
  }, 120_000);
});
