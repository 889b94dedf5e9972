import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { signWebhook, webhookMessageId, type WebhookHeaders } from '../../src/domain/webhooks/outbound-signature.ts';
import { formatWebhookSecret } from '../../src/domain/webhooks/webhook-secret.ts';
import { fixedClock } from '../support/clock.ts';

const secretOf = (fill: number) => formatWebhookSecret(new Uint8Array(32).fill(fill));
const oldSecret = secretOf(1);
const newSecret = secretOf(2);

// Hindi text and a rupee sign: the signature covers the UTF-8 bytes, not the UTF-16 string.
const body = JSON.stringify({ type: 'notification.status_changed', data: { notificationId: 'n-1', status: 'delivered', note: 'नमस्ते ₹' } });

/*
 * The package's verify reads the machine's clock (Date.now) to apply its 5-minute tolerance; the
 * tests stop that clock at the test clock's time, so neither the date nor the hour changes an answer.
 */
const clock = fixedClock('2026-11-24T09:00:00.750Z');
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock.now());
});
afterEach(() => {
  vi.useRealTimers();
});

const secondsAfter = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);
const message = (overrides: Partial<{ id: string; timestamp: Date; body: string }> = {}) => ({
  id: webhookMessageId('endpoint-1', 'notification.status_changed', 'event-1'),
  timestamp: clock.now(),
  body,
  ...overrides,
});

/** A receiver written with the standard library only, as a Python receiver would do it with hmac and base64. */
function verifiesByHand(secret: string, payload: string, headers: WebhookHeaders): boolean {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${payload}`;
  const expected = Buffer.from(createHmac('sha256', key).update(signed, 'utf8').digest('base64'));
  return headers['webhook-signature'].split(' ').some((entry) => {
    const [version, signature] = entry.split(',', 2);
    const given = Buffer.from(signature ?? '');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

describe('signing an outbound webhook', () => {
  it('gives the id, the attempt time in whole unix seconds, and a v1 signature', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(headers).toEqual({
      'webhook-id': message().id,
      'webhook-timestamp': String(Math.floor(clock.now().getTime() / 1000)),
      'webhook-signature': expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
  });

  it('is verified by a receiver using the standardwebhooks package', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(new Webhook(newSecret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is verified from the raw bytes, as a receiver reading the request body gets them', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(() => new Webhook(newSecret).verify(Buffer.from(body, 'utf8'), headers)).not.toThrow();
  });

  it('fails verification when one byte of the body is changed', () => {
    const headers = signWebhook(message(), [newSecret]);
    const bytes = Buffer.from(body, 'utf8');
    const at = bytes.indexOf('delivered');
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0x01, at);
    expect(() => new Webhook(newSecret).verify(bytes, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(newSecret).verify(bytes, headers)).toThrow('No matching signature found');
  });

  it('fails verification when the id is changed, since the id is signed too', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(() => new Webhook(newSecret).verify(body, { ...headers, 'webhook-id': webhookMessageId('other') })).toThrow(WebhookVerificationError);
  });

  it('fails verification under another secret', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(() => new Webhook(secretOf(3)).verify(body, headers)).toThrow('No matching signature found');
  });

  it('is accepted up to the package tolerance of 5 minutes either way', () => {
    for (const seconds of [-300, 300]) {
      const headers = signWebhook(message({ timestamp: secondsAfter(seconds) }), [newSecret]);
      expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    }
  });

  it('is refused as too old when its timestamp is more than 5 minutes behind the receiver', () => {
    const headers = signWebhook(message({ timestamp: secondsAfter(-301) }), [newSecret]);
    expect(() => new Webhook(newSecret).verify(body, headers)).toThrow('Message timestamp too old');
  });

  it('is refused as too new when its timestamp is more than 5 minutes ahead of the receiver', () => {
    const headers = signWebhook(message({ timestamp: secondsAfter(301) }), [newSecret]);
    expect(() => new Webhook(newSecret).verify(body, headers)).toThrow('Message timestamp too new');
  });

  it('cannot be moved in time: a fresh timestamp on an old signature fails', () => {
    const headers = signWebhook(message({ timestamp: secondsAfter(-3600) }), [newSecret]);
    const replayed = { ...headers, 'webhook-timestamp': String(Math.floor(clock.now().getTime() / 1000)) };
    expect(() => new Webhook(newSecret).verify(body, replayed)).toThrow('No matching signature found');
  });
});

describe('signing during a secret rotation', () => {
  it('carries one signature per secret, separated by a space', () => {
    const headers = signWebhook(message(), [oldSecret, newSecret]);
    const entries = headers['webhook-signature'].split(' ');
    expect(entries).toEqual([signWebhook(message(), [oldSecret])['webhook-signature'], signWebhook(message(), [newSecret])['webhook-signature']]);
  });

  it('is verified by a receiver still holding the old secret and by one holding the new', () => {
    const headers = signWebhook(message(), [oldSecret, newSecret]);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(secretOf(3)).verify(body, headers)).toThrow('No matching signature found');
  });
});

describe('a receiver using only HMAC-SHA256 and base64 (the Python standard-library recipe)', () => {
  it('agrees with the package on a good delivery, for every secret of a rotation', () => {
    const headers = signWebhook(message(), [oldSecret, newSecret]);
    expect(verifiesByHand(oldSecret, body, headers)).toBe(true);
    expect(verifiesByHand(newSecret, body, headers)).toBe(true);
  });

  it('agrees with the package on a tampered body and on a wrong secret', () => {
    const headers = signWebhook(message(), [newSecret]);
    expect(verifiesByHand(newSecret, body.replace('delivered', 'deliverer'), headers)).toBe(false);
    expect(verifiesByHand(secretOf(3), body, headers)).toBe(false);
  });

  it('computes exactly the signature the package computes', () => {
    const timestamp = secondsAfter(-42);
    const headers = signWebhook(message({ timestamp }), [newSecret]);
    expect(headers['webhook-signature']).toBe(new Webhook(newSecret).sign(message().id, timestamp, body));
    const key = Buffer.from(newSecret.slice('whsec_'.length), 'base64');
    const byHand = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${byHand}`);
  });
});

describe('what signWebhook refuses (our own inputs, so each is a bug)', () => {
  it('throws on a secret that is not a whsec_ secret, naming its place in the list', () => {
    expect(() => signWebhook(message(), [newSecret, 'whsec_short'])).toThrow(/secrets\.1/);
  });

  it('throws when no secret is given', () => {
    expect(() => signWebhook(message(), [])).toThrow(/at least one secret/);
  });

  it.each([['a dot, the separator of the signed content', 'msg_a.b'], ['nothing', ''], ['a space', 'msg a']])(
    'throws on a message id with %s',
    (_case, id) => {
      expect(() => signWebhook(message({ id }), [newSecret])).toThrow(/message id/);
    },
  );

  it('throws on an invalid date', () => {
    expect(() => signWebhook(message({ timestamp: new Date(Number.NaN) }), [newSecret])).toThrow(/valid date/);
  });
});

describe('the webhook message id', () => {
  it('is the same for the same parts, so every attempt at a message carries one id', () => {
    expect(webhookMessageId('endpoint-1', 'notification.failed', 'event-9')).toBe(webhookMessageId('endpoint-1', 'notification.failed', 'event-9'));
  });

  it('differs when any part differs, including the endpoint', () => {
    const ids = new Set([
      webhookMessageId('endpoint-1', 'notification.failed', 'event-9'),
      webhookMessageId('endpoint-2', 'notification.failed', 'event-9'),
      webhookMessageId('endpoint-1', 'notification.expired', 'event-9'),
      webhookMessageId('endpoint-1', 'notification.failed', 'event-10'),
      webhookMessageId('endpoint-1notification.failed', 'event-9'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('is msg_ and 32 hex digits: no dot, safe in a header and in the signed content', () => {
    expect(webhookMessageId('endpoint-1', 7)).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});
