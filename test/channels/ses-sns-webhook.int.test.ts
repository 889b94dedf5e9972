import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSesSnsWebhook, type SesSnsWebhookConfig } from '../../src/channels/webhooks/ses-sns-webhook.ts';
import { createSnsCertificateFetcher } from '../../src/channels/webhooks/sns-certificate-fetcher.ts';
import type { WebhookRequest } from '../../src/channels/webhooks/webhook-types.ts';
import {
  makeSnsSigningIdentity, signSnsMessage, snsNotification, snsSubscriptionConfirmation,
  TEST_CERT_URL, TEST_TOPIC_ARN, type SnsFields,
} from '../support/standins/sns-signer.ts';
import { startStandin, type StandinServer } from '../support/standins/standin-server.ts';
import { NOTIFICATION_ID } from './outbound-fixtures.ts';
import {
  complaintEvent, deliveryEvent, identityBounceNotification, permanentBounceEvent, sendEvent, SES_MESSAGE_ID, transientBounceEvent,
} from './ses-events-fixtures.ts';

const identity = makeSnsSigningIdentity();
const impostor = makeSnsSigningIdentity();
const fetched: string[] = [];
const config: SesSnsWebhookConfig = {
  allowedTopicArns: [TEST_TOPIC_ARN],
  getCertificate: async (url) => {
    fetched.push(url);
    if (url !== TEST_CERT_URL) throw new Error(`no certificate at ${url}`);
    return identity.certificatePem;
  },
};

const request = (fields: SnsFields | string, type = typeof fields === 'string' ? undefined : fields.Type): WebhookRequest => ({
  headers: { 'content-type': 'text/plain; charset=UTF-8', ...(type ? { 'x-amz-sns-message-type': type } : {}) },
  rawBody: Buffer.from(typeof fields === 'string' ? fields : JSON.stringify(fields)),
  url: 'https://notify.clinic.example/webhooks/ses',
});
const signed = (fields: SnsFields, version: '1' | '2' = '1') => request(signSnsMessage(fields, identity, version));

describe('SES events over SNS', () => {
  it('verifies a subscription confirmation and returns the URL to confirm it', async () => {
    const confirmation = snsSubscriptionConfirmation();

    const result = await parseSesSnsWebhook(signed(confirmation), config);

    expect(result).toEqual({ ok: true, value: { reports: [], replies: [], suppressions: [], confirmSubscriptionUrl: confirmation.SubscribeURL } });
  });

  it.each(['1', '2'] as const)('reports a Delivery signed with SignatureVersion %s, matched by the SES message id and tag', async (version) => {
    const notification = snsNotification(deliveryEvent, { MessageId: 'a4f1c9e2-sns-delivery' });

    const result = await parseSesSnsWebhook(signed(notification, version), config);

    expect(result).toEqual({
      ok: true,
      value: {
        reports: [{
          provider: 'ses', providerMessageId: SES_MESSAGE_ID, notificationId: NOTIFICATION_ID, status: 'delivered', code: null,
          detail: '250 2.6.0 Message received', reportId: 'a4f1c9e2-sns-delivery', occurredAt: '2026-11-24T09:00:02.345Z',
        }],
        replies: [],
        suppressions: [],
      },
    });
  });

  it('verifies a notification that has a Subject', async () => {
    const result = await parseSesSnsWebhook(signed(snsNotification(deliveryEvent, { Subject: 'Amazon SES Email Event Notification' })), config);

    expect(result.ok).toBe(true);
  });

  it('suppresses the address of a permanent bounce, without its diagnostic text', async () => {
    const result = await parseSesSnsWebhook(signed(snsNotification(permanentBounceEvent, { MessageId: 'sns-bounce-1' })), config);

    expect(result.ok && result.value.reports).toEqual([expect.objectContaining({ status: 'bounced', code: 'Permanent/General', detail: '5.1.1', reportId: 'sns-bounce-1' })]);
    expect(result.ok && result.value.suppressions).toEqual([
      { channel: 'email', address: 'asha@example.com', reason: 'bounced-address', reportId: 'sns-bounce-1', occurredAt: '2026-11-24T09:00:03.000Z' },
    ]);
  });

  it('reports a transient bounce without suppressing the address', async () => {
    const result = await parseSesSnsWebhook(signed(snsNotification(transientBounceEvent)), config);

    expect(result.ok && result.value.reports).toEqual([expect.objectContaining({ status: 'bounced', code: 'Transient/MailboxFull' })]);
    expect(result.ok && result.value.suppressions).toEqual([]);
  });

  it('treats a complaint as an email opt-out', async () => {
    const result = await parseSesSnsWebhook(signed(snsNotification(complaintEvent, { MessageId: 'sns-complaint-1' })), config);

    expect(result.ok && result.value.reports).toEqual([expect.objectContaining({ status: 'delivered', code: 'Complaint', detail: 'abuse' })]);
    expect(result.ok && result.value.suppressions).toEqual([
      { channel: 'email', address: 'asha@example.com', reason: 'opted-out', reportId: 'sns-complaint-1', occurredAt: '2026-11-24T10:15:00.000Z' },
    ]);
  });

  it('reads identity notifications that name the kind notificationType', async () => {
    const result = await parseSesSnsWebhook(signed(snsNotification(identityBounceNotification)), config);

    expect(result.ok && result.value.reports.map((r) => r.status)).toEqual(['bounced']);
  });

  it('gives a redelivered notification the same report id', async () => {
    const body = signSnsMessage(snsNotification(deliveryEvent, { MessageId: 'sns-dup-1' }), identity);

    const first = await parseSesSnsWebhook(request(body), config);
    const again = await parseSesSnsWebhook(request(body), config);

    expect(first.ok && first.value.reports[0]!.reportId).toBe('sns-dup-1');
    expect(again).toEqual(first);
  });

  it('reports a Delivery that arrives before its Send as it is, each with its own id', async () => {
    const delivered = await parseSesSnsWebhook(signed(snsNotification(deliveryEvent, { MessageId: 'sns-2' })), config);
    const sent = await parseSesSnsWebhook(signed(snsNotification(sendEvent, { MessageId: 'sns-1' })), config);

    expect([delivered, sent].map((r) => r.ok && [r.value.reports[0]!.status, r.value.reports[0]!.reportId, r.value.reports[0]!.occurredAt])).toEqual([
      ['delivered', 'sns-2', '2026-11-24T09:00:02.345Z'],
      ['sent', 'sns-1', '2026-11-24T09:00:00.000Z'],
    ]);
  });

  it('rejects a message altered after signing', async () => {
    const body = signSnsMessage(snsNotification(deliveryEvent), identity);
    const altered = { ...body, Message: JSON.stringify(permanentBounceEvent) };

    expect(await parseSesSnsWebhook(request(altered), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it('rejects a message signed by another key', async () => {
    const forged = signSnsMessage(snsNotification(permanentBounceEvent), impostor);

    expect(await parseSesSnsWebhook(request(forged), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it('rejects an unknown signature version', async () => {
    const body = { ...signSnsMessage(snsNotification(deliveryEvent), identity), SignatureVersion: '3' };

    expect(await parseSesSnsWebhook(request(body), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it('refuses a topic it did not subscribe, before fetching any certificate', async () => {
    fetched.length = 0;
    const other = signSnsMessage(snsNotification(deliveryEvent, { TopicArn: 'arn:aws:sns:ap-south-1:999999999999:someone-else' }), identity);

    expect(await parseSesSnsWebhook(request(other), config)).toMatchObject({ ok: false, error: { kind: 'unknown-topic' } });
    expect(fetched).toEqual([]);
  });

  it.each([
    ['a host outside amazonaws.com', 'https://sns.ap-south-1.amazonaws.com.evil.example/cert.pem'],
    ['plain http', 'http://sns.ap-south-1.amazonaws.com/cert.pem'],
    ['a file that is not .pem', 'https://sns.ap-south-1.amazonaws.com/cert.txt'],
  ])('refuses a SigningCertURL on %s without fetching it', async (_name, url) => {
    fetched.length = 0;

    const result = await parseSesSnsWebhook(signed(snsNotification(deliveryEvent, { SigningCertURL: url })), config);

    expect(result).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
    expect(fetched).toEqual([]);
  });

  it('accepts another certificate host when one is configured', async () => {
    const url = 'https://certs.sns.test/signing.pem';
    const local = { ...config, certHostPattern: /^certs\.sns\.test$/, getCertificate: async () => identity.certificatePem };

    expect((await parseSesSnsWebhook(signed(snsNotification(deliveryEvent, { SigningCertURL: url })), local)).ok).toBe(true);
    expect((await parseSesSnsWebhook(signed(snsNotification(deliveryEvent)), local)).ok).toBe(false);
  });

  it('says verification is unavailable when the certificate cannot be fetched', async () => {
    const down = { ...config, getCertificate: async () => Promise.reject(new Error('ETIMEDOUT')) };

    expect(await parseSesSnsWebhook(signed(snsNotification(deliveryEvent)), down)).toMatchObject({ ok: false, error: { kind: 'verification-unavailable' } });
  });

  it.each([
    ['a body that is not JSON', request('Type=Notification')],
    ['a body that is not an SNS message', request(JSON.stringify({ hello: 'world' }))],
    ['a message type header that disagrees', request(signSnsMessage(snsNotification(deliveryEvent), identity), 'SubscriptionConfirmation')],
    ['a Message that is not an SES event', signed(snsNotification({ AlarmName: 'cpu' }))],
  ])('rejects %s as malformed', async (_name, malformed) => {
    expect(await parseSesSnsWebhook(malformed, config)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });
});

describe('the SNS certificate fetcher', () => {
  let server: StandinServer;
  let failures = 0;
  beforeAll(async () => {
    server = await startStandin(() => (failures-- > 0 ? { status: 503, body: 'unavailable' } : { status: 200, body: identity.certificatePem }));
  });
  afterAll(() => server.close());

  it('fetches each certificate once, and does not keep a failure', async () => {
    const fetch = createSnsCertificateFetcher();
    failures = 1;

    await expect(fetch(`${server.url}/cert.pem`)).rejects.toThrow(/503/);
    expect(await fetch(`${server.url}/cert.pem`)).toBe(identity.certificatePem);
    expect(await fetch(`${server.url}/cert.pem`)).toBe(identity.certificatePem);
    expect(server.requests).toHaveLength(2);
  });
});

describe('SES event details', () => {
  it('mask an address quoted in an SMTP response', async () => {
    const quoting = { ...deliveryEvent, delivery: { ...deliveryEvent.delivery, smtpResponse: '250 2.0.0 OK <asha@example.com> queued' } };

    const result = await parseSesSnsWebhook(signed(snsNotification(quoting)), config);

    expect(result.ok && result.value.reports[0]!.detail).toBe('250 2.0.0 OK <a***@example.com> queued');
  });
});
