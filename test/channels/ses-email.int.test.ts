import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelTransport } from '../../src/channels/channel-port.ts';
import { createSesEmailTransport } from '../../src/channels/providers/ses-email.ts';
import { sesError, startSesLocal, type SesLocal } from '../support/standins/ses-local.ts';
import type { StandinAnswer } from '../support/standins/standin-server.ts';
import { emailMessage, NOTIFICATION_ID } from './outbound-fixtures.ts';

const QUOTA_PAUSE_MS = 45 * 60_000;
let ses: SesLocal;
let transport: ChannelTransport;

beforeAll(async () => {
  ses = await startSesLocal();
  transport = createSesEmailTransport({
    region: 'ap-south-1',
    endpoint: ses.proxy.url,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    fromEmailAddress: 'Sunrise Clinic <appointments@clinic.example>',
    configurationSetName: 'clinic-events',
    requestTimeoutMs: 1_000,
    quotaPauseMs: QUOTA_PAUSE_MS,
  });
});
afterAll(async () => {
  await transport.close?.();
  await ses.close();
});
beforeEach(async () => {
  ses.proxy.reset();
  await ses.clearStore();
});

describe('Email through SES v2', () => {
  it('sends Simple content that aws-ses-v2-local stores, tagged with the notification id', async () => {
    const outcome = await transport.send(emailMessage());

    expect(outcome).toMatchObject({ kind: 'sent', provider: 'ses' });
    const stored = await ses.store();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      from: 'Sunrise Clinic <appointments@clinic.example>',
      destination: { to: ['asha@example.com'] },
      subject: 'Your appointment is confirmed',
      body: { html: '<p>Dear Asha, see you on <b>26 Nov</b> at 09:30.</p>', text: 'Dear Asha, see you on 26 Nov at 09:30.' },
    });
    expect(outcome.kind === 'sent' && outcome.providerMessageId).toBe(stored[0]!.messageId);

    expect(ses.proxy.requests).toHaveLength(1);
    const [request] = ses.proxy.requests;
    expect(request!.path).toBe('/v2/email/outbound-emails');
    expect(request!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLOCAL\/\d{8}\/ap-south-1\/ses\/aws4_request/);
    expect(JSON.parse(request!.text)).toMatchObject({
      FromEmailAddress: 'Sunrise Clinic <appointments@clinic.example>',
      Destination: { ToAddresses: ['asha@example.com'] },
      ConfigurationSetName: 'clinic-events',
      EmailTags: [{ Name: 'notification_id', Value: NOTIFICATION_ID }],
      Content: { Simple: { Subject: { Data: 'Your appointment is confirmed', Charset: 'UTF-8' } } },
    });
  });

  const cases: [string, StandinAnswer, { retryable: boolean; code: string; effect?: string; retryAfterMs?: number }][] = [
    ['v2 TooManyRequestsException', sesError(429, 'TooManyRequestsException', 'Too many requests'), { retryable: true, code: 'TooManyRequestsException' }],
    ['v1 Throttling: sending rate', sesError(400, 'Throttling', 'Maximum sending rate exceeded.'), { retryable: true, code: 'Throttling' }],
    ['v1 Throttling: daily quota', sesError(400, 'Throttling', 'Daily message quota exceeded.'), { retryable: true, code: 'Throttling', effect: 'quota-pause', retryAfterMs: QUOTA_PAUSE_MS }],
    ['v2 LimitExceededException', sesError(400, 'LimitExceededException', 'Daily message quota exceeded.'), { retryable: true, code: 'LimitExceededException', effect: 'quota-pause', retryAfterMs: QUOTA_PAUSE_MS }],
    ['MessageRejected', sesError(400, 'MessageRejected', 'Email address is not verified.'), { retryable: false, code: 'MessageRejected' }],
    ['MailFromDomainNotVerifiedException', sesError(400, 'MailFromDomainNotVerifiedException', 'MAIL FROM domain not verified'), { retryable: false, code: 'MailFromDomainNotVerifiedException' }],
    ['AccountSuspendedException', sesError(400, 'AccountSuspendedException', 'Account suspended'), { retryable: false, code: 'AccountSuspendedException', effect: 'pause-channel' }],
    ['SendingPausedException', sesError(400, 'SendingPausedException', 'Sending paused'), { retryable: false, code: 'SendingPausedException', effect: 'pause-channel' }],
    ['v1 AccountSendingPausedException', sesError(400, 'AccountSendingPausedException', 'Sending paused'), { retryable: false, code: 'AccountSendingPausedException', effect: 'pause-channel' }],
    ['InternalServiceErrorException', sesError(500, 'InternalServiceErrorException', 'Internal error'), { retryable: true, code: 'InternalServiceErrorException' }],
    ['a bare 503', { status: 503, body: 'Service Unavailable' }, { retryable: true, code: 'http-503' }],
    ['BadRequestException', sesError(400, 'BadRequestException', 'Bad request'), { retryable: false, code: 'BadRequestException' }],
    ['NotFoundException', sesError(404, 'NotFoundException', 'Configuration set not found'), { retryable: false, code: 'NotFoundException' }],
    ['a connection cut mid-request', { dropConnection: true }, { retryable: true, code: 'network' }],
    ['no answer before the timeout', { hang: true }, { retryable: true, code: 'network' }],
  ];

  it.each(cases)('maps %s, sending exactly once', async (_name, answer, expected) => {
    ses.proxy.failNext(1, answer);

    const outcome = await transport.send(emailMessage());

    expect(outcome).toMatchObject({ kind: 'failed', provider: 'ses', ...expected });
    if (expected.effect === undefined) expect(outcome).not.toHaveProperty('effect');
    // maxAttempts 1: the SDK never retries behind the dispatcher's back.
    expect(ses.proxy.requests).toHaveLength(1);
    expect(await ses.store()).toHaveLength(0);
  });
});
