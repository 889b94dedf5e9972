import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelTransport } from '../../src/channels/channel-port.ts';
import { createFcmPushTransport } from '../../src/channels/providers/fcm-push.ts';
import { fixedClock } from '../support/clock.ts';
import { fcmError, jwtClaims, makeServiceAccount, startFcmStandin, type FcmStandin } from '../support/standins/fcm-standin.ts';
import { headerOf, type StandinAnswer } from '../support/standins/standin-server.ts';
import { pushMessage } from './outbound-fixtures.ts';

const account = makeServiceAccount();
const clock = fixedClock('2026-11-24T09:00:00Z');
let fcm: FcmStandin;
let transport: ChannelTransport;

const transportFor = (overrides: { tokenUrl?: string } = {}) =>
  createFcmPushTransport({ serviceAccount: account, baseUrl: fcm.server.url, tokenUrl: fcm.tokenUrl, clock, requestTimeoutMs: 500, ...overrides });

beforeAll(async () => {
  fcm = await startFcmStandin(account);
  transport = transportFor();
});
afterAll(async () => {
  await transport.close?.();
  await fcm.server.close();
});
beforeEach(() => fcm.server.reset());

describe('Push through FCM HTTP v1', () => {
  it('exchanges a signed service-account JWT for a token and posts the message with it', async () => {
    const outcome = await transport.send(pushMessage());

    expect(outcome).toMatchObject({ kind: 'sent', provider: 'fcm', providerMessageId: expect.stringMatching(/^projects\/clinic-notify-test\/messages\//) });
    const [tokenRequest] = fcm.tokenRequests();
    const form = new URLSearchParams(tokenRequest!.text);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = jwtClaims(form.get('assertion')!);
    const issuedAt = Date.parse('2026-11-24T09:00:00Z') / 1000;
    expect(claims).toEqual({
      iss: account.client_email, scope: 'https://www.googleapis.com/auth/firebase.messaging', aud: fcm.tokenUrl, iat: issuedAt, exp: issuedAt + 3600,
    });
    const [sendRequest] = fcm.sendRequests();
    expect(sendRequest!.path).toBe('/v1/projects/clinic-notify-test/messages:send');
    expect(headerOf(sendRequest!, 'authorization')).toMatch(/^Bearer ya29\.standin-/);
    expect(JSON.parse(sendRequest!.text)).toEqual({
      message: {
        token: 'fcm-device-token-abcdefghijklmnop:APA91b',
        notification: { title: 'Appointment confirmed', body: '26 Nov at 09:30' },
        data: { bookingReference: 'BK-1042' },
      },
    });
  });

  it('reuses the token until shortly before it expires, and shares one exchange between concurrent sends', async () => {
    const fresh = transportFor();
    try {
      await Promise.all([fresh.send(pushMessage()), fresh.send(pushMessage()), fresh.send(pushMessage())]);
      clock.advance(3599_000 - 120_000);
      await fresh.send(pushMessage());
      expect(fcm.tokenRequests()).toHaveLength(1);

      clock.advance(90_000);
      await fresh.send(pushMessage());
      expect(fcm.tokenRequests()).toHaveLength(2);
      expect(fcm.sendRequests()).toHaveLength(5);
    } finally {
      await fresh.close?.();
    }
  });

  const cases: [string, StandinAnswer, { retryable: boolean; code: string; effect?: string; retryAfterMs?: number }][] = [
    ['UNREGISTERED', { status: 404, body: fcmError(404, 'NOT_FOUND', 'UNREGISTERED') }, { retryable: false, code: 'UNREGISTERED', effect: 'drop-token' }],
    ['INVALID_ARGUMENT naming the token', { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', ['message.token']) }, { retryable: false, code: 'INVALID_ARGUMENT', effect: 'drop-token' }],
    ['INVALID_ARGUMENT without field violations', { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT') }, { retryable: false, code: 'INVALID_ARGUMENT', effect: 'drop-token' }],
    ['INVALID_ARGUMENT naming the payload', { status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', ['message.data']) }, { retryable: false, code: 'INVALID_ARGUMENT' }],
    ['SENDER_ID_MISMATCH', { status: 403, body: fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH') }, { retryable: false, code: 'SENDER_ID_MISMATCH', effect: 'drop-token' }],
    ['QUOTA_EXCEEDED with Retry-After', { status: 429, body: fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'), headers: { 'retry-after': '60' } }, { retryable: true, code: 'QUOTA_EXCEEDED', retryAfterMs: 60_000 }],
    ['UNAVAILABLE with Retry-After', { status: 503, body: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE'), headers: { 'retry-after': '10' } }, { retryable: true, code: 'UNAVAILABLE', retryAfterMs: 10_000 }],
    ['INTERNAL', { status: 500, body: fcmError(500, 'INTERNAL', 'INTERNAL') }, { retryable: true, code: 'INTERNAL' }],
    ['THIRD_PARTY_AUTH_ERROR', { status: 401, body: fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR') }, { retryable: false, code: 'THIRD_PARTY_AUTH_ERROR' }],
    ['PERMISSION_DENIED for the project', { status: 403, body: fcmError(403, 'PERMISSION_DENIED', undefined) }, { retryable: false, code: 'PERMISSION_DENIED', effect: 'pause-channel' }],
    ['a connection cut mid-request', { dropConnection: true }, { retryable: true, code: 'network' }],
    ['no answer before the timeout', { hang: true }, { retryable: true, code: 'network' }],
  ];

  it.each(cases)('maps %s', async (_name, answer, expected) => {
    await transport.send(pushMessage());
    fcm.server.reset();
    fcm.server.failNext(1, answer);

    const outcome = await transport.send(pushMessage());

    expect(outcome).toMatchObject({ kind: 'failed', provider: 'fcm', ...expected });
    if (expected.effect === undefined) expect(outcome).not.toHaveProperty('effect');
    expect(fcm.sendRequests()).toHaveLength(1);
  });

  it('renews the access token after FCM refuses it', async () => {
    await transport.send(pushMessage());
    fcm.revokeTokens();
    fcm.server.reset();

    const refused = await transport.send(pushMessage());
    const retried = await transport.send(pushMessage());

    expect(refused).toMatchObject({ kind: 'failed', retryable: true, code: 'UNAUTHENTICATED' });
    expect(retried).toMatchObject({ kind: 'sent' });
    expect(fcm.tokenRequests()).toHaveLength(1);
  });

  it('pauses the channel when the token endpoint refuses the service account, without calling FCM', async () => {
    const impostor = createFcmPushTransport({
      serviceAccount: { ...makeServiceAccount(), project_id: 'clinic-notify-test' }, baseUrl: fcm.server.url, tokenUrl: fcm.tokenUrl, clock,
    });
    try {
      expect(await impostor.send(pushMessage())).toMatchObject({ kind: 'failed', retryable: false, code: 'oauth-invalid_grant', effect: 'pause-channel' });
      expect(fcm.sendRequests()).toHaveLength(0);
    } finally {
      await impostor.close?.();
    }
  });

  it('retries later when the token endpoint is down', async () => {
    const fresh = transportFor();
    fcm.server.failNext(1, { status: 503, body: { error: 'backend_error' } });
    try {
      expect(await fresh.send(pushMessage())).toMatchObject({ kind: 'failed', retryable: true, code: 'oauth-backend_error' });
      expect(await fresh.send(pushMessage())).toMatchObject({ kind: 'sent' });
    } finally {
      await fresh.close?.();
    }
  });
});
