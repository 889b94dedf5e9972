import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelTransport, SendOutcome } from '../../src/channels/channel-port.ts';
import { createSmsTransport, type SmsProviderAdapter, type SmsSendRequest } from '../../src/channels/providers/sms-provider-adapter.ts';
import { createTwilioSmsAdapter, createTwilioSmsTransport } from '../../src/channels/providers/twilio-sms.ts';
import { headerOf, type StandinAnswer, type StandinServer } from '../support/standins/standin-server.ts';
import { startTwilioStandin, STANDIN_TWILIO_ACCOUNT_SID, STANDIN_TWILIO_AUTH_TOKEN, twilioError } from '../support/standins/twilio-standin.ts';
import { smsMessage } from './outbound-fixtures.ts';

const CALLBACK = 'https://notify.clinic.example/webhooks/sms';
let standin: StandinServer;
let transport: ChannelTransport;

beforeAll(async () => {
  standin = await startTwilioStandin();
  transport = createTwilioSmsTransport({
    accountSid: STANDIN_TWILIO_ACCOUNT_SID,
    authToken: STANDIN_TWILIO_AUTH_TOKEN,
    sender: { from: '+14155550100' },
    statusCallbackUrl: CALLBACK,
    baseUrl: standin.url,
    requestTimeoutMs: 500,
  });
});
afterAll(async () => {
  await transport.close?.();
  await standin.close();
});
beforeEach(() => standin.reset());

describe('SMS through Twilio', () => {
  it('posts a form with Basic auth, To, From, Body and StatusCallback and returns the sid', async () => {
    const outcome = await transport.send(smsMessage());

    expect(outcome).toMatchObject({ kind: 'sent', provider: 'twilio', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    const [request] = standin.requests;
    expect(request!.path).toBe(`/2010-04-01/Accounts/${STANDIN_TWILIO_ACCOUNT_SID}/Messages.json`);
    expect(headerOf(request!, 'authorization')).toBe(`Basic ${Buffer.from(`${STANDIN_TWILIO_ACCOUNT_SID}:${STANDIN_TWILIO_AUTH_TOKEN}`).toString('base64')}`);
    expect(headerOf(request!, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request!.text))).toEqual({
      To: '+14155550123',
      From: '+14155550100',
      Body: 'Your appointment on 26 Nov at 09:30 is confirmed. Reply STOP to opt out.',
      StatusCallback: CALLBACK,
    });
  });

  it('sends through a Messaging Service when configured instead of a From number', async () => {
    const viaService = createTwilioSmsTransport({
      accountSid: STANDIN_TWILIO_ACCOUNT_SID, authToken: STANDIN_TWILIO_AUTH_TOKEN,
      sender: { messagingServiceSid: `MG${'2'.repeat(32)}` }, baseUrl: standin.url,
    });
    try {
      expect(await viaService.send(smsMessage())).toMatchObject({ kind: 'sent' });
      const form = new URLSearchParams(standin.requests[0]!.text);
      expect(form.get('MessagingServiceSid')).toBe(`MG${'2'.repeat(32)}`);
      expect(form.has('From')).toBe(false);
      expect(form.has('StatusCallback')).toBe(false);
    } finally {
      await viaService.close?.();
    }
  });

  const cases: [string, StandinAnswer, { retryable: boolean; code: string; effect?: string; retryAfterMs?: number }][] = [
    ['20429 too many requests with Retry-After', { status: 429, body: twilioError(429, 20429, 'Too Many Requests'), headers: { 'retry-after': '3' } }, { retryable: true, code: '20429', retryAfterMs: 3000 }],
    ['21211 invalid To', { status: 400, body: twilioError(400, 21211, "The 'To' number +1415 is not a valid phone number.") }, { retryable: false, code: '21211', effect: 'invalid-address' }],
    ['21610 recipient replied STOP', { status: 400, body: twilioError(400, 21610, 'Attempt to send to unsubscribed recipient') }, { retryable: false, code: '21610', effect: 'opt-out' }],
    ['21614 not a mobile number', { status: 400, body: twilioError(400, 21614, "'To' number is not a valid mobile number") }, { retryable: false, code: '21614', effect: 'invalid-address' }],
    ['21606 From not SMS-capable', { status: 400, body: twilioError(400, 21606, "The 'From' phone number provided is not a valid message-capable Twilio phone number for this destination.") }, { retryable: false, code: '21606' }],
    ['21408 region not enabled', { status: 400, body: twilioError(400, 21408, 'Permission to send an SMS has not been enabled for the region indicated by the To number') }, { retryable: false, code: '21408' }],
    ['30003 unreachable handset', { status: 400, body: twilioError(400, 30003, 'Unreachable destination handset') }, { retryable: true, code: '30003' }],
    ['20003 authentication', { status: 401, body: twilioError(401, 20003, 'Authenticate') }, { retryable: false, code: '20003', effect: 'pause-channel' }],
    ['a 500 with a Twilio body', { status: 500, body: twilioError(500, 20500, 'Internal Server Error') }, { retryable: true, code: '20500' }],
    ['a bare 503', { status: 503, body: 'Service Unavailable' }, { retryable: true, code: 'http-503' }],
    ['a connection cut mid-request', { dropConnection: true }, { retryable: true, code: 'network' }],
    ['no answer before the timeout', { hang: true }, { retryable: true, code: 'network' }],
  ];

  it.each(cases)('maps %s', async (_name, answer, expected) => {
    standin.failNext(1, answer);

    const outcome = await transport.send(smsMessage());

    expect(outcome).toMatchObject({ kind: 'failed', provider: 'twilio', ...expected });
    if (expected.effect === undefined) expect(outcome).not.toHaveProperty('effect');
    expect(standin.requests).toHaveLength(1);
  });
});

describe('SMS provider adapters', () => {
  it('routes numbers by prefix to a DLT adapter with the message template id, others to Twilio', async () => {
    const dltRequests: SmsSendRequest[] = [];
    const dlt: SmsProviderAdapter = {
      provider: 'india-dlt',
      send: async (request): Promise<SendOutcome> => {
        dltRequests.push(request);
        return { kind: 'sent', provider: 'india-dlt', providerMessageId: 'dlt-1' };
      },
    };
    const twilio = createTwilioSmsAdapter({
      accountSid: STANDIN_TWILIO_ACCOUNT_SID, authToken: STANDIN_TWILIO_AUTH_TOKEN, sender: { from: '+14155550100' }, baseUrl: standin.url,
    });
    const routed = createSmsTransport({ defaultAdapter: twilio, routes: [{ prefix: '+91', adapter: dlt }] });
    try {
      const india = await routed.send(smsMessage({
        to: '+919876543210',
        rendered: { channel: 'sms', text: 'Appointment confirmed', segments: 1, dltTemplateId: '1107160000000012345' },
      }));
      const us = await routed.send(smsMessage());

      expect(india).toEqual({ kind: 'sent', provider: 'india-dlt', providerMessageId: 'dlt-1' });
      expect(dltRequests).toEqual([expect.objectContaining({ to: '+919876543210', dltTemplateId: '1107160000000012345' })]);
      expect(us).toMatchObject({ kind: 'sent', provider: 'twilio' });
      expect(standin.requests).toHaveLength(1);
    } finally {
      await routed.close?.();
    }
  });
});
