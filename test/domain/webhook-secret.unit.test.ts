import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { formatWebhookSecret, generateWebhookSecret, parseWebhookSecret } from '../../src/domain/webhooks/webhook-secret.ts';

const counting = (size: number) => Uint8Array.from({ length: size }, (_, i) => i);

describe('a new webhook secret', () => {
  it('is whsec_ and the base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret(counting);
    expect(secret).toBe(`whsec_${Buffer.from(counting(32)).toString('base64')}`);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
  });

  it('differs each time it is made from the machine randomness', () => {
    const secrets = new Set(Array.from({ length: 20 }, () => generateWebhookSecret()));
    expect(secrets.size).toBe(20);
  });

  it('passes its own check and is accepted by the standardwebhooks package', () => {
    const secret = generateWebhookSecret();
    expect(parseWebhookSecret(secret)).toEqual({ ok: true, value: secret });
    expect(() => new Webhook(secret)).not.toThrow();
  });

  it('refuses a random source that gives fewer bytes than asked', () => {
    expect(() => generateWebhookSecret(() => new Uint8Array(16))).toThrow(/32 random bytes/);
  });

  it('is never made from a key shorter than the specification allows', () => {
    expect(() => formatWebhookSecret(new Uint8Array(23))).toThrow(/24 to 64 bytes/);
    expect(formatWebhookSecret(new Uint8Array(24))).toMatch(/^whsec_A{32}$/);
  });
});

describe('checking a webhook secret', () => {
  const valid = `whsec_${Buffer.from(counting(32)).toString('base64')}`;

  it.each([
    ['a secret without the whsec_ prefix', valid.slice('whsec_'.length), 'missing-prefix'],
    ['a Svix-style signing key with another prefix', `whsk_${valid.slice(6)}`, 'missing-prefix'],
    ['the URL-safe base64 alphabet', `whsec_${Buffer.from(Uint8Array.from({ length: 32 }, () => 0xfb)).toString('base64url')}`, 'not-base64'],
    ['base64 without its padding', `whsec_${Buffer.from(counting(31)).toString('base64').replace(/=+$/, '')}`, 'not-base64'],
    ['a space inside the base64', `${valid.slice(0, 20)} ${valid.slice(20)}`, 'not-base64'],
    ['an empty key', 'whsec_', 'wrong-length'],
    ['16 bytes, under the 24 the specification asks', `whsec_${Buffer.from(counting(16)).toString('base64')}`, 'wrong-length'],
    ['65 bytes, over the 512 bits the specification allows', `whsec_${Buffer.from(counting(65)).toString('base64')}`, 'wrong-length'],
  ])('refuses %s, naming the field and the rule', (_case, text, code) => {
    const result = parseWebhookSecret(text, 'endpoint.secret');
    expect(result).toMatchObject({ ok: false, error: { field: 'endpoint.secret', code } });
  });

  it('never quotes the secret in its error', () => {
    const text = `whsec_${Buffer.from(counting(16)).toString('base64')}`;
    const result = parseWebhookSecret(text);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(text.slice('whsec_'.length));
  });

  it('names the field "secret" unless told otherwise', () => {
    expect(parseWebhookSecret('nope')).toMatchObject({ ok: false, error: { field: 'secret' } });
  });

  it.each([24, 32, 64])('accepts a %i-byte key', (size) => {
    expect(parseWebhookSecret(`whsec_${Buffer.from(counting(size)).toString('base64')}`).ok).toBe(true);
  });
});
