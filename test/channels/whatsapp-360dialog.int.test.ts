import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelTransport } from '../../src/channels/channel-port.ts';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { fixedClock } from '../support/clock.ts';
import { headerOf, type StandinAnswer, type StandinServer } from '../support/standins/standin-server.ts';
import { metaError, start360DialogStandin, STANDIN_360DIALOG_KEY } from '../support/standins/whatsapp-360dialog-standin.ts';
import { NOTIFICATION_ID, whatsappMessage } from './outbound-fixtures.ts';

let standin: StandinServer;
let transport: ChannelTransport;
const clock = fixedClock('2026-11-24T09:00:00Z');

beforeAll(async () => {
  standin = await start360DialogStandin();
  transport = createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, requestTimeoutMs: 500, clock });
});
afterAll(async () => {
  await transport.close?.();
  await standin.close();
});
beforeEach(() => standin.reset());

describe('WhatsApp through 360dialog', () => {
  it('posts a Meta template message with the API key and returns the wamid', async () => {
    const outcome = await transport.send(whatsappMessage());

    expect(outcome).toMatchObject({ kind: 'sent', provider: '360dialog', providerMessageId: expect.stringMatching(/^wamid\./) });
    expect(standin.requests).toHaveLength(1);
    const [request] = standin.requests;
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe('/messages');
    expect(headerOf(request!, 'd360-api-key')).toBe(STANDIN_360DIALOG_KEY);
    expect(headerOf(request!, 'content-type')).toBe('application/json');
    expect(JSON.parse(request!.text)).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '919876543210',
      type: 'template',
      biz_opaque_callback_data: NOTIFICATION_ID,
      template: {
        name: 'appointment_confirmed',
        language: { code: 'hi' },
        components: [{
          type: 'body',
          parameters: [{ type: 'text', text: 'Asha' }, { type: 'text', text: '26 नवंबर 2026' }, { type: 'text', text: '09:30' }],
        }],
      },
    });
  });

  const cases: [string, StandinAnswer, { retryable: boolean; code: string; effect?: string; retryAfterMs?: number }][] = [
    ['throughput limit 130429 with Retry-After', { status: 429, body: metaError(130429, 'Rate limit hit'), headers: { 'retry-after': '7' } }, { retryable: true, code: '130429', retryAfterMs: 7000 }],
    ['pair rate limit 131056', { status: 400, body: metaError(131056, 'Pair rate limit hit') }, { retryable: true, code: '131056' }],
    ['generic 131000', { status: 500, body: metaError(131000, 'Something went wrong') }, { retryable: true, code: '131000' }],
    ['access denied 131001', { status: 400, body: metaError(131001, 'Access denied') }, { retryable: true, code: '131001' }],
    ['131002', { status: 400, body: metaError(131002, 'Unknown error') }, { retryable: true, code: '131002' }],
    ['maintenance 131057', { status: 400, body: metaError(131057, 'Account in maintenance mode') }, { retryable: true, code: '131057' }],
    ['undeliverable 131026', { status: 400, body: metaError(131026, 'Message undeliverable') }, { retryable: false, code: '131026', effect: 'invalid-address' }],
    ['invalid recipient 100', { status: 400, body: metaError(100, 'Invalid parameter', "Parameter 'to' is not a valid phone number") }, { retryable: false, code: '100', effect: 'invalid-address' }],
    ['outside the 24h window 131047', { status: 400, body: metaError(131047, 'Re-engagement message') }, { retryable: false, code: '131047' }],
    ['opted out of marketing 131050', { status: 400, body: metaError(131050, 'User stopped marketing messages') }, { retryable: false, code: '131050', effect: 'opt-out' }],
    ['policy block 368', { status: 403, body: metaError(368, 'Temporarily blocked for policy violations') }, { retryable: false, code: '368', effect: 'pause-channel' }],
    ['account locked 131031', { status: 400, body: metaError(131031, 'Business account locked') }, { retryable: false, code: '131031', effect: 'pause-channel' }],
    ['360dialog endpoint rate limit', { status: 400, body: 'You have exceeded the endpoint rate limit.', headers: { 'retry-after': '2' } }, { retryable: true, code: 'http-400', retryAfterMs: 2000 }],
    ['360dialog unpaid', { status: 400, body: 'Could not send message due to lack of payment.' }, { retryable: false, code: 'http-400', effect: 'pause-channel' }],
    ['360dialog endpoint blocked', { status: 403, body: 'The endpoint is blocked' }, { retryable: false, code: 'http-403', effect: 'pause-channel' }],
    ['a bare 502', { status: 502, body: 'Bad Gateway' }, { retryable: true, code: 'http-502' }],
    ['Retry-After as an HTTP date', { status: 503, body: 'busy', headers: { 'retry-after': 'Tue, 24 Nov 2026 09:00:30 GMT' } }, { retryable: true, code: 'http-503', retryAfterMs: 30_000 }],
    ['a connection cut mid-request', { dropConnection: true }, { retryable: true, code: 'network' }],
    ['no answer before the timeout', { hang: true }, { retryable: true, code: 'network' }],
  ];

  it.each(cases)('maps %s', async (_name, answer, expected) => {
    standin.failNext(1, answer);

    const outcome = await transport.send(whatsappMessage());

    expect(outcome).toMatchObject({ kind: 'failed', provider: '360dialog', ...expected });
    if (expected.effect === undefined) expect(outcome).not.toHaveProperty('effect');
    expect(standin.requests).toHaveLength(1);
  });

  it('does not mark the address invalid when code 100 names another parameter', async () => {
    standin.failNext(1, { status: 400, body: metaError(100, 'Invalid parameter', 'template.components[0].parameters: expected 3, got 2') });

    const outcome = await transport.send(whatsappMessage());

    expect(outcome).toEqual(expect.objectContaining({ kind: 'failed', retryable: false, code: '100' }));
    expect(outcome).not.toHaveProperty('effect');
  });

  it('pauses the channel on a wrong API key', async () => {
    const wrongKey = createWhatsApp360DialogTransport({ apiKey: 'revoked', baseUrl: standin.url });
    try {
      expect(await wrongKey.send(whatsappMessage())).toMatchObject({ kind: 'failed', retryable: false, code: 'http-401', effect: 'pause-channel' });
    } finally {
      await wrongKey.close?.();
    }
  });

  it('reports a refused connection as a retryable network failure', async () => {
    const nowhere = createWhatsApp360DialogTransport({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', connectTimeoutMs: 500 });
    try {
      expect(await nowhere.send(whatsappMessage())).toMatchObject({ kind: 'failed', retryable: true, code: 'network' });
    } finally {
      await nowhere.close?.();
    }
  });
});
