import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelTransport, OutboundMessage, SendOutcome } from '../../src/channels/channel-port.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { HttpServer } from '../../src/http/http-server.ts';
import { mountWebhooks } from '../../src/http/webhook-routes.ts';
import { readStreamToArray, type RecordedEvent } from '../../src/ledger/event-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { ProjectionRunner } from '../../src/projections/projection-runner.ts';
import { buildProjections } from '../../src/projections/build-projections.ts';
import { systemClock } from '../../src/service.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase } from '../support/databases.ts';
import { realClock } from '../support/clock.ts';
import { patient, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gql } from '../graphql/support/graphql-client.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const WEBHOOK_SECRET = 'provider-callbacks-secret-42';

/**
 * A WhatsApp provider whose sends can be held open: the provider has taken the message (and may
 * already report on it) while our NotificationSent is not recorded yet.
 */
class HeldWhatsApp implements ChannelTransport {
  readonly channel = 'whatsapp' as const;
  readonly provider = '360dialog';
  hold = false;
  readonly held: { message: OutboundMessage; release: () => void }[] = [];

  static wamidOf(message: Pick<OutboundMessage, 'notificationId' | 'attempt'>): string {
    return `wamid.${message.notificationId}.${message.attempt}`;
  }

  async send(message: OutboundMessage): Promise<SendOutcome> {
    if (this.hold) await new Promise<void>((release) => this.held.push({ message, release }));
    return { kind: 'sent', provider: this.provider, providerMessageId: HeldWhatsApp.wamidOf(message) };
  }

  releaseAll(): void {
    this.hold = false;
    for (const { release } of this.held.splice(0)) release();
  }
}

const whatsapp = new HeldWhatsApp();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({
    transports: { whatsapp },
    webhooks: { whatsapp: { sharedSecret: WEBHOOK_SECRET } },
    dispatcher: { pollIntervalMs: 20 },
  });
}, 60_000);
afterAll(async () => {
  whatsapp.releaseAll();
  await service?.stop();
});

const envelopeOf = (value: object) => JSON.stringify({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '918000000000', phone_number_id: '106540352242922' }, ...value } }] }],
});

const postWhatsApp = (url: URL, body: string) =>
  fetch(new URL('/webhooks/whatsapp', url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-webhook-secret': WEBHOOK_SECRET }, body });

const delivered = (wamid: string, timestamp = '1795510800') =>
  envelopeOf({ statuses: [{ id: wamid, status: 'delivered', timestamp, recipient_id: patient.phone.slice(1) }] });

const freeText = (text: string, from = '919811122233') =>
  envelopeOf({ contacts: [{ profile: { name: 'Asha' }, wa_id: from }], messages: [{ from, id: `wamid.IN.${randomUUID()}`, timestamp: '1795510900', type: 'text', text: { body: text } }] });

/**
 * The callback has been interpreted: the reaction makes its appends before it moves past the
 * callback's position. (The ledger's head is no measure here: it stops below the oldest open
 * transaction on the whole server, which other test files hold.)
 */
async function interpreted(callbackId: string): Promise<void> {
  const [recorded] = await readStreamToArray(service.store, streamName.providerCallback(callbackId));
  if (!recorded) throw new Error(`callback ${callbackId} is not in the ledger`);
  await service.whenProcessed(recorded.position);
}

const callbackIdOf = async (response: Response): Promise<string> => ((await response.json()) as { callbackId: string }).callbackId;

const statusReports = async (notificationId: string): Promise<RecordedEvent[]> =>
  (await readStreamToArray(service.store, streamName.notification(notificationId))).filter((e) => e.type === 'StatusReported');

const statusOf = async (notificationId: string) =>
  (await service.db.selectFrom('notifications').select('status').where('notification_id', '=', notificationId).executeTakeFirst())?.status;

/** Publishes a confirmation and waits until its WhatsApp message is sent; returns the notification. */
async function sentWhatsApp(): Promise<{ notificationId: string; wamid: string }> {
  const raw = validEnvelope('appointment.confirmed');
  await recordAndProject(service, raw);
  const row = await until(() =>
    service.db.selectFrom('notifications').select(['notification_id', 'status', 'provider_message_id'])
      .where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').where('status', '=', 'sent').executeTakeFirst(),
  { what: 'the WhatsApp message to be sent' });
  return { notificationId: row.notification_id, wamid: row.provider_message_id! };
}

describe('provider callbacks are recorded first and interpreted from the ledger', () => {
  it('keeps a delivered report that arrives before its send is recorded, and applies it once the send is', async () => {
    // Given a WhatsApp message the provider has taken while our NotificationSent is not recorded yet
    whatsapp.hold = true;
    const raw = validEnvelope('appointment.confirmed');
    await recordAndProject(service, raw);
    const { message } = await until(() => whatsapp.held[0], { what: 'the send to reach the provider' });
    const wamid = HeldWhatsApp.wamidOf(message);

    // When its delivered report comes in first
    const response = await postWhatsApp(service.url, delivered(wamid));
    expect(response.status).toBe(200);
    const callbackId = await callbackIdOf(response);
    await interpreted(callbackId);

    // Then it is recorded and kept, not lost
    const recorded = await readStreamToArray(service.store, streamName.providerCallback(callbackId));
    expect(recorded.map((e) => e.type)).toEqual(['ProviderCallbackReceived']);
    expect(await service.db.selectFrom('pending_provider_reports').select('report_id').where('provider_message_id', '=', wamid).execute())
      .toEqual([{ report_id: `${wamid}:delivered` }]);
    expect(await statusReports(message.notificationId)).toEqual([]);

    // And once the send is recorded, the report is applied, naming the callback as its cause
    whatsapp.releaseAll();
    await until(async () => (await statusOf(message.notificationId)) === 'delivered', { what: 'the message to show as delivered' });
    const reports = await statusReports(message.notificationId);
    expect(reports.map((e) => [(e.data as { status: string }).status, e.metadata.causationId, e.metadata.correlationId])).toEqual([['delivered', callbackId, raw.eventId]]);
    await until(async () => (await service.db.selectFrom('pending_provider_reports').selectAll().where('provider_message_id', '=', wamid).execute()).length === 0,
      { what: 'the pending report to be cleared' });
    expect(await service.db.selectFrom('pending_provider_reports').selectAll().where('provider_message_id', '=', wamid).execute()).toEqual([]);
  });

  it('records one StatusReported for the same callback delivered three times', async () => {
    const { notificationId, wamid } = await sentWhatsApp();
    const body = delivered(wamid);

    const answers = [];
    for (let i = 0; i < 3; i++) {
      const response = await postWhatsApp(service.url, body);
      answers.push([response.status, await response.json()]);
    }
    const callbackId = (answers[0]![1] as { callbackId: string }).callbackId;
    await interpreted(callbackId);

    expect(answers).toEqual([
      [200, { recorded: true, callbackId }],
      [200, { recorded: false, callbackId }],
      [200, { recorded: false, callbackId }],
    ]);
    expect(await readStreamToArray(service.store, streamName.providerCallback(callbackId))).toHaveLength(1);
    expect((await statusReports(notificationId)).map((e) => (e.data as { reportId: string }).reportId)).toEqual([`${wamid}:delivered`]);
    await until(async () => (await statusOf(notificationId)) === 'delivered', { what: 'the message to show as delivered' });
  });

  it('never moves a status backwards when a late delivered follows read', async () => {
    const { notificationId, wamid } = await sentWhatsApp();
    const read = envelopeOf({ statuses: [{ id: wamid, status: 'read', timestamp: '1795510860', recipient_id: patient.phone.slice(1) }] });

    await interpreted(await callbackIdOf(await postWhatsApp(service.url, read)));
    await interpreted(await callbackIdOf(await postWhatsApp(service.url, delivered(wamid))));
    const reports = await statusReports(notificationId);
    expect(reports.map((e) => (e.data as { status: string }).status)).toEqual(['read', 'delivered']);
    await service.whenProcessed(reports.at(-1)!.position);

    expect(await statusOf(notificationId)).toBe('read');
  });

  it('lists a free-text WhatsApp reply for an auditor, and refuses it to a dashboard', async () => {
    const text = `Can I come at 5 pm instead? ${randomUUID().slice(0, 8)}`;
    const response = await postWhatsApp(service.url, freeText(text));
    expect(response.status).toBe(200);
    await interpreted(await callbackIdOf(response));

    const query = `query($from: DateTime) { inboundMessages(channel: whatsapp, from: $from, first: 10) {
      edges { cursor node { id channel provider receivedAt sender text providerMessageId } } pageInfo { hasNextPage } } }`;
    const auditor = await gql<{ inboundMessages: { edges: { node: Record<string, string> }[] } }>(service, AUDITOR_TOKEN, query, { from: '2026-11-24T00:00:00Z' });
    expect(auditor.errors).toEqual([]);
    expect(auditor.data!.inboundMessages.edges.map((e) => e.node)).toContainEqual({
      id: expect.any(String), channel: 'whatsapp', provider: '360dialog', receivedAt: '2026-11-24T09:01:40.000Z',
      sender: '+919811122233', text, providerMessageId: expect.stringMatching(/^wamid\.IN\./),
    });

    const dashboard = await gql(service, DASHBOARD_TOKEN, query, {});
    expect(dashboard.data).toBeNull();
    expect(dashboard.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('records nothing about consent for a reply that is neither STOP nor START', async () => {
    const from = '919811100001';
    const response = await postWhatsApp(service.url, freeText('thank you, see you tomorrow', from));
    expect(response.status).toBe(200);
    await interpreted(await callbackIdOf(response));

    expect(await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'whatsapp', `+${from}`))).toEqual([]);
  });

  it('answers 503 and records nothing when the ledger cannot take the callback, and 200 once it can', async () => {
    // Given the webhook route on a ledger whose connection is gone
    const database = await createTestDatabase();
    const connection = connectPostgres(database.url);
    const store = await PostgresEventStore.open(connection);
    await connection.close();
    const http = new HttpServer(silentLogger());
    mountWebhooks(http, { whatsapp: { sharedSecret: WEBHOOK_SECRET }, ses: null, sms: null }, { store, clock: systemClock, logger: silentLogger() }, undefined);
    const url = await http.listen(0, '127.0.0.1');
    const body = delivered(`wamid.${randomUUID()}`);
    try {
      // When the provider calls, then it is told to call again
      const refused = await postWhatsApp(url, body);
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: 'ledger-unavailable' });
    } finally {
      await http.close();
      await database.drop();
    }
    // And the provider's retry, reaching a ledger that works, is recorded
    const retried = await postWhatsApp(service.url, body);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ recorded: true });
  });

  // Last: it stops the service's projections and runs its own.
  it('applies a callback recorded while the projections were stopped once they catch up', async () => {
    const { notificationId, wamid } = await sentWhatsApp();
    await service.runner.stop();

    const response = await postWhatsApp(service.url, delivered(wamid));
    expect(response.status).toBe(200);
    const [recorded] = await readStreamToArray(service.store, streamName.providerCallback(await callbackIdOf(response)));
    expect(await statusReports(notificationId)).toEqual([]);

    const runner = new ProjectionRunner({
      store: service.store, db: service.db, clock: systemClock, logger: silentLogger(),
      projections: buildProjections({ store: service.store, keys: service.keys, cells: service.cells, clock: systemClock, logger: silentLogger() }),
    });
    await runner.start();
    try {
      await runner.whenProcessed(recorded!.position);
      expect((await statusReports(notificationId)).map((e) => (e.data as { status: string }).status)).toEqual(['delivered']);
    } finally {
      await runner.stop();
    }
  });
});
