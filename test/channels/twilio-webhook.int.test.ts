import { describe, expect, it } from 'vitest';
import { parseTwilioWebhook } from '../../src/channels/webhooks/twilio-webhook.ts';
import type { WebhookRequest } from '../../src/channels/webhooks/webhook-types.ts';
import { signTwilioCallback, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN } from '../support/standins/twilio-standin.ts';

const config = { authToken: STANDIN_TWILIO_AUTH_TOKEN };
const URL_ = 'https://notify.clinic.example/webhooks/sms?tenant=sunrise';
const SID = 'SM0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c';
const RECEIVED_AT = new Date('2026-11-24T09:05:00Z');

/** A status callback's parameters (twilio.com/docs/messaging/guides/track-outbound-message-status). */
const statusCallback = (status: string, extra: Record<string, string> = {}): Record<string, string> => ({
  AccountSid: STANDIN_TWILIO_ACCOUNT_SID, ApiVersion: '2010-04-01', From: '+14155550100', MessageSid: SID,
  MessageStatus: status, SmsSid: SID, SmsStatus: status, To: '+14155550123', ...extra,
});
const incoming = (body: string): Record<string, string> => ({
  AccountSid: STANDIN_TWILIO_ACCOUNT_SID, ApiVersion: '2010-04-01', Body: body, From: '+14155550123', MessageSid: 'SMinbound0001',
  NumMedia: '0', NumSegments: '1', SmsMessageSid: 'SMinbound0001', SmsSid: 'SMinbound0001', SmsStatus: 'received', To: '+14155550100',
});

const request = (params: Record<string, string>, signature = signTwilioCallback(URL_, params), url = URL_): WebhookRequest => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
  rawBody: Buffer.from(new URLSearchParams(params).toString()),
  url,
  receivedAt: RECEIVED_AT,
});

describe('Twilio webhooks', () => {
  it('reports a delivered status callback keyed by MessageSid and status', () => {
    expect(parseTwilioWebhook(request(statusCallback('delivered')), config)).toEqual({
      ok: true,
      value: {
        reports: [{ provider: 'twilio', providerMessageId: SID, status: 'delivered', code: null, detail: null, reportId: `${SID}:delivered`, occurredAt: '2026-11-24T09:05:00.000Z' }],
        replies: [],
        suppressions: [],
      },
    });
  });

  it.each([
    ['queued', 'sent'], ['sending', 'sent'], ['sent', 'sent'], ['delivered', 'delivered'], ['read', 'read'], ['undelivered', 'failed'], ['failed', 'failed'],
  ])('maps MessageStatus %s to %s', (messageStatus, status) => {
    const result = parseTwilioWebhook(request(statusCallback(messageStatus)), config);

    expect(result.ok && result.value.reports.map((r) => r.status)).toEqual([status]);
  });

  it('carries the ErrorCode of an undelivered message', () => {
    const result = parseTwilioWebhook(request(statusCallback('undelivered', { ErrorCode: '30003' })), config);

    expect(result.ok && result.value.reports[0]).toMatchObject({ status: 'failed', code: '30003', detail: 'undelivered' });
    expect(result.ok && result.value.suppressions).toEqual([]);
  });

  it('records an opt-out when Twilio failed a message with 21610', () => {
    const result = parseTwilioWebhook(request(statusCallback('failed', { ErrorCode: '21610' })), config);

    expect(result.ok && result.value.suppressions).toEqual([
      { channel: 'sms', address: '+14155550123', reason: 'opted-out', reportId: `${SID}:failed`, occurredAt: '2026-11-24T09:05:00.000Z' },
    ]);
  });

  it('gives a repeated callback the same report id', () => {
    const first = parseTwilioWebhook(request(statusCallback('sent')), config);
    const again = parseTwilioWebhook(request(statusCallback('sent')), config);

    expect(again).toEqual(first);
  });

  it('reports an out-of-order pair as received, with distinct ids', () => {
    const results = [statusCallback('delivered'), statusCallback('sent')].map((params) => parseTwilioWebhook(request(params), config));

    expect(results.map((r) => r.ok && [r.value.reports[0]!.status, r.value.reports[0]!.reportId])).toEqual([
      ['delivered', `${SID}:delivered`],
      ['sent', `${SID}:sent`],
    ]);
  });

  it.each([['STOP', 'opt-out'], ['unsubscribe', 'opt-out'], ['START', 'opt-in'], ['Running 10 min late', 'other']])('reads the reply %j as %s', (body, intent) => {
    const result = parseTwilioWebhook(request(incoming(body)), config);

    expect(result.ok && result.value.replies).toEqual([expect.objectContaining({
      provider: 'twilio', channel: 'sms', from: '+14155550123', intent, messageId: 'SMinbound0001', receivedAt: '2026-11-24T09:05:00.000Z',
    })]);
    expect(result.ok && result.value.reports).toEqual([]);
  });

  it.each([
    ['no signature', ''],
    ['a signature made with another token', signTwilioCallback(URL_, statusCallback('delivered'), 'other-token')],
    ['a signature for another URL', signTwilioCallback('https://notify.clinic.example/webhooks/sms', statusCallback('delivered'))],
  ])('rejects a callback with %s', (_name, signature) => {
    expect(parseTwilioWebhook(request(statusCallback('delivered'), signature), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it('rejects a callback whose parameters changed after signing', () => {
    const signature = signTwilioCallback(URL_, statusCallback('failed', { ErrorCode: '30003' }));

    expect(parseTwilioWebhook(request(statusCallback('failed', { ErrorCode: '21610' }), signature), config)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it('accepts a signature made over the URL with its default port', () => {
    const params = statusCallback('delivered');
    const signature = signTwilioCallback('https://notify.clinic.example:443/webhooks/sms?tenant=sunrise', params);

    expect(parseTwilioWebhook(request(params, signature), config).ok).toBe(true);
  });

  it('rejects a signed callback without a MessageSid as malformed', () => {
    const params = { AccountSid: STANDIN_TWILIO_ACCOUNT_SID, MessageStatus: 'sent' };

    expect(parseTwilioWebhook(request(params), config)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });
});
