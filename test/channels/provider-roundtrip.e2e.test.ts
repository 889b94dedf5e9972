import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/domain/event-catalogue.ts';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { blockedAddressHash } from '../../src/projections/deliveries/contact-blocks.ts';
import { realClock } from '../support/clock.ts';
import { patient, type RawEnvelope, envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { startSesLocal, type SesLocal } from '../support/standins/ses-local.ts';
import { makeSnsSigningIdentity, signSnsMessage, snsNotification, TEST_CERT_URL, TEST_TOPIC_ARN } from '../support/standins/sns-signer.ts';
import type { StandinServer } from '../support/standins/standin-server.ts';
import { approvedDefaultTemplates, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { until } from '../support/until.ts';

// This file's service runs on the machine's clock: its events' slots lie ahead of that clock's now.
const { validEnvelope } = envelopesOn(realClock);

const WEBHOOK_SECRET = 'clinic-webhook-secret-123';
const sns = makeSnsSigningIdentity();
let whatsapp: StandinServer;
let ses: SesLocal;
let service: TestService;

beforeAll(async () => {
  // A configured account is synced at start: it holds the templates we ship, approved.
  whatsapp = await start360DialogStandin({ templates: approvedDefaultTemplates() });
  ses = await startSesLocal();
  service = await startTestService({
    env: {
      CHANNELS_SANDBOX: 'sms,push',
      WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY,
      WHATSAPP_360DIALOG_BASE_URL: whatsapp.url,
      WHATSAPP_WEBHOOK_SECRET: WEBHOOK_SECRET,
      SES_REGION: 'ap-south-1',
      SES_ENDPOINT: ses.proxy.url,
      SES_FROM_ADDRESS: 'appointments@clinic.example',
      SES_ACCESS_KEY_ID: 'AKIDLOCAL',
      SES_SECRET_ACCESS_KEY: 'local-secret',
      SES_SNS_TOPIC_ARNS: TEST_TOPIC_ARN,
    },
    webhooks: {
      ses: {
        allowedTopicArns: [TEST_TOPIC_ARN],
        getCertificate: async (url) => {
          if (url !== TEST_CERT_URL) throw new Error('unknown certificate');
          return sns.certificatePem;
        },
      },
    },
    dispatcher: { pollIntervalMs: 20 },
  });
}, 60_000);
afterAll(async () => {
  await service?.stop();
  await whatsapp?.close();
  await ses?.close();
});

const publish = (raw: RawEnvelope) => recordAndProject(service, raw);

const settled = (eventId: string) =>
  until(async () => {
    const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).orderBy('channel').execute();
    return rows.length > 0 && rows.every((r) => ['sent', 'failed', 'suppressed'].includes(r.status)) ? rows : null;
  }, { what: `notifications of ${eventId} to settle` });

const whatsappWebhook = (value: object, secret = WEBHOOK_SECRET) =>
  fetch(new URL('/webhooks/whatsapp', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '918000000000', phone_number_id: '106540352242922' }, ...value } }] }],
    }),
  });

const blocked = (channel: Channel, address: string) =>
  until(() => service.db.selectFrom('contact_blocks').select('block').where('channel', '=', channel)
    .where('address_hash', '=', blockedAddressHash(service.keys, channel, address)).executeTakeFirst(),
    { what: `${channel} to be blocked for the address` });

const status = (wamid: string, notificationId: string, state: string, timestamp: string) => ({
  id: wamid, status: state, timestamp, recipient_id: patient.phone.slice(1), biz_opaque_callback_data: notificationId,
});

describe('a confirmation through the real provider clients and back', () => {
  let whatsappRow: { notification_id: string; provider_message_id: string | null };
  let emailRow: { notification_id: string; provider_message_id: string | null };

  it('reaches the 360dialog stand-in and aws-ses-v2-local with the rendered templates', async () => {
    const raw = validEnvelope('appointment.confirmed');
    await publish(raw);
    const rows = await settled(raw.eventId);
    expect(rows.map((r) => [r.channel, r.status, r.provider])).toEqual([['email', 'sent', 'ses'], ['whatsapp', 'sent', '360dialog']]);
    emailRow = rows[0]!;
    whatsappRow = rows[1]!;
    const sent = JSON.parse(whatsapp.requests.at(-1)!.text) as { to: string; template: { name: string; language: { code: string } }; biz_opaque_callback_data: string };
    expect(sent).toMatchObject({ to: '919876543210', template: { name: 'appointment_confirmed', language: { code: 'en' } }, biz_opaque_callback_data: whatsappRow.notification_id });
    expect(whatsappRow.provider_message_id).toMatch(/^wamid\./);
    const mails = await ses.store();
    const mail = mails.find((m) => m.destination.to.includes(patient.email));
    expect(mail).toBeDefined();
    expect(JSON.stringify(mail)).toContain('BK-1001');
    expect(ses.proxy.requests.at(-1)!.text).toContain(emailRow.notification_id);
  });

  it('shows delivered and then read from the WhatsApp webhook, and never goes back', async () => {
    const wamid = whatsappRow.provider_message_id!;
    const id = whatsappRow.notification_id;
    expect((await whatsappWebhook({ statuses: [status(wamid, id, 'delivered', '1795510800')] })).status).toBe(200);
    expect((await whatsappWebhook({ statuses: [status(wamid, id, 'read', '1795510860')] })).status).toBe(200);
    // Out of order and repeated: a late `delivered` and the same `read` again change nothing.
    // It is a callback of its own, so it is recorded; the reports in it are not recorded again.
    const repeat = await whatsappWebhook({ statuses: [status(wamid, id, 'delivered', '1795510800'), status(wamid, id, 'read', '1795510860')] });
    expect(await repeat.json()).toMatchObject({ recorded: true });
    await service.whenProcessed((await service.store.headPosition())!);
    await until(async () => {
      const row = await service.db.selectFrom('notifications').select('status').where('notification_id', '=', id).executeTakeFirst();
      return row?.status === 'read';
    }, { what: 'the WhatsApp message to show as read' });
    const reports = (await readStreamToArray(service.store, streamName.notification(id))).filter((e) => e.type === 'StatusReported');
    expect(reports.map((e) => (e.data as { status: string }).status)).toEqual(['delivered', 'read']);
  });

  it('shows an email delivered from a signed SNS notification', async () => {
    const event = {
      eventType: 'Delivery',
      mail: { timestamp: new Date().toISOString(), messageId: emailRow.provider_message_id, destination: [patient.email], tags: { notification_id: [emailRow.notification_id] } },
      delivery: { timestamp: new Date().toISOString(), processingTimeMillis: 900, recipients: [patient.email], smtpResponse: '250 OK' },
    };
    const response = await fetch(new URL('/webhooks/ses', service.url), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
      body: JSON.stringify(signSnsMessage(snsNotification(event), sns)),
    });
    expect(response.status).toBe(200);
    await until(async () => {
      const row = await service.db.selectFrom('notifications').select('status').where('notification_id', '=', emailRow.notification_id).executeTakeFirst();
      return row?.status === 'delivered';
    }, { what: 'the email to show as delivered' });
  });

  it('refuses a webhook with a wrong secret and records nothing', async () => {
    const before = await lastCommitted(service.db);
    const response = await whatsappWebhook({ statuses: [status(whatsappRow.provider_message_id!, whatsappRow.notification_id, 'failed', '1795510900')] }, 'wrong-secret');
    expect(response.status).toBe(403);
    expect(await lastCommitted(service.db)).toEqual(before);
  });

  it('suppresses the next WhatsApp message to a patient who replied STOP, and falls back to SMS', async () => {
    const phone = '+919800012345';
    const personId = `pat-${randomUUID()}`;
    const first = validEnvelope('appointment.pending_approval');
    (first.data as { patient: object }).patient = { id: personId, name: 'Kiran Rao', phone };
    await publish(first);
    await settled(first.eventId);
    const reply = await whatsappWebhook({
      contacts: [{ profile: { name: 'Kiran' }, wa_id: phone.slice(1) }],
      messages: [{ from: phone.slice(1), id: `wamid.${randomUUID()}`, timestamp: '1795510900', type: 'text', text: { body: 'STOP' } }],
    });
    expect(reply.status).toBe(200);
    // The webhook only records the reply; the opt-out follows from it once the reaction has read it.
    await blocked('whatsapp', phone);
    const next = validEnvelope('appointment.pending_approval');
    (next.data as { patient: object }).patient = { id: personId, name: 'Kiran Rao', phone };
    const parsed = parseEnvelope(next);
    if (!parsed.ok) throw new Error('invalid fixture');
    // The opt-out is in the ledger before the next event, so the planner sees it first. A WhatsApp
    // opt-out falls back to SMS at once (README, fallbacks): wait for both, not for whichever came first.
    await publish(next);
    const rows = await until(async () => {
      const found = await settled(next.eventId);
      return found.length === 2 ? found : null;
    }, { what: 'the suppressed WhatsApp message and its SMS fallback' });
    expect(rows.map((r) => [r.channel, r.status, r.suppression_reason])).toEqual([['sms', 'sent', null], ['whatsapp', 'suppressed', 'opted-out']]);
    const [sms, whatsapp] = rows as [(typeof rows)[number], (typeof rows)[number]];
    expect(sms.fallback_of).toBe(whatsapp.notification_id);
  });

  it('suppresses the next email to an address that bounced permanently', async () => {
    const address = `bounce-${randomUUID().slice(0, 8)}@example.com`;
    const bounce = {
      eventType: 'Bounce',
      mail: { timestamp: new Date().toISOString(), messageId: `ses-${randomUUID()}`, destination: [address] },
      bounce: { feedbackId: `fb-${randomUUID()}`, bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: address, action: 'failed', status: '5.1.1' }], timestamp: new Date().toISOString() },
    };
    const response = await fetch(new URL('/webhooks/ses', service.url), {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification' },
      body: JSON.stringify(signSnsMessage(snsNotification(bounce), sns)),
    });
    expect(response.status).toBe(200);
    await blocked('email', address);
    const next = validEnvelope('appointment.rejected');
    (next.data as { patient: object }).patient = { id: `pat-${randomUUID()}`, name: 'Bounce Case', email: address };
    await publish(next);
    const rows = await settled(next.eventId);
    expect(rows.map((r) => [r.channel, r.status, r.suppression_reason])).toEqual([
      ['email', 'suppressed', 'bounced-address'],
      ['whatsapp', 'suppressed', 'no-contact'],
    ]);
  });
});
