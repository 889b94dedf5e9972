import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseWhatsAppWebhook, type WhatsAppWebhookConfig } from '../../src/channels/webhooks/whatsapp-webhook.ts';
import type { WebhookRequest } from '../../src/channels/webhooks/webhook-types.ts';
import { NOTIFICATION_ID } from './outbound-fixtures.ts';

const config: WhatsAppWebhookConfig = { sharedSecret: 'webhook-shared-secret' };
const WAMID = 'wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQzVGNkE3QjhDOUQwRTFGMkEzAA==';

const status = (state: string, timestamp: string, extra: object = {}) => ({
  id: WAMID, status: state, timestamp, recipient_id: '919876543210', biz_opaque_callback_data: NOTIFICATION_ID,
  conversation: { id: 'c0nv', origin: { type: 'utility' } }, pricing: { billable: true, pricing_model: 'CBP', category: 'utility' }, ...extra,
});
const inbound = (body: string, id = 'wamid.INBOUND1') => ({ from: '919876543210', id, timestamp: '1795510900', type: 'text', text: { body } });

/** Meta's webhook envelope, as 360dialog forwards it. */
const envelope = (value: object) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '918000000000', phone_number_id: '106540352242922' }, ...value } }] }],
});

const request = (body: object | string, headers: Record<string, string> = { 'x-webhook-secret': config.sharedSecret }): WebhookRequest => ({
  headers: { 'content-type': 'application/json', ...headers },
  rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  url: 'https://notify.clinic.example/webhooks/whatsapp',
});

describe('WhatsApp webhooks', () => {
  it('reports a delivered status with its wamid, our notification id and the time', () => {
    const result = parseWhatsAppWebhook(request(envelope({ statuses: [status('delivered', '1795510800')] })), config);

    expect(result).toEqual({
      ok: true,
      value: {
        reports: [{
          provider: '360dialog', providerMessageId: WAMID, status: 'delivered', code: null, detail: null,
          reportId: `${WAMID}:delivered`, occurredAt: '2026-11-24T09:00:00.000Z', notificationId: NOTIFICATION_ID,
        }],
        replies: [],
        suppressions: [],
      },
    });
  });

  it('reports a failed status with Meta error code and details', () => {
    const failed = status('failed', '1795510800', { errors: [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' }, href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/' }] });

    const result = parseWhatsAppWebhook(request(envelope({ statuses: [failed] })), config);

    expect(result.ok && result.value.reports).toEqual([expect.objectContaining({ status: 'failed', code: '131026', detail: 'Message Undeliverable.' })]);
    expect(result.ok && result.value.suppressions).toEqual([]);
  });

  it('turns a 131050 failure into a WhatsApp opt-out for that number', () => {
    const failed = status('failed', '1795510800', { errors: [{ code: 131050, title: 'User has stopped marketing messages' }] });

    const result = parseWhatsAppWebhook(request(envelope({ statuses: [failed] })), config);

    expect(result.ok && result.value.suppressions).toEqual([
      { channel: 'whatsapp', address: '+919876543210', reason: 'opted-out', reportId: `${WAMID}:failed`, occurredAt: '2026-11-24T09:00:00.000Z' },
    ]);
  });

  it('gives a repeated callback the same report id', () => {
    const body = envelope({ statuses: [status('read', '1795510860')] });

    const first = parseWhatsAppWebhook(request(body), config);
    const again = parseWhatsAppWebhook(request(body), config);

    expect(first.ok && first.value.reports.map((r) => r.reportId)).toEqual([`${WAMID}:read`]);
    expect(again).toEqual(first);
  });

  it('reports an out-of-order pair as received, each with its own id and time', () => {
    const result = parseWhatsAppWebhook(request(envelope({ statuses: [status('read', '1795510860'), status('delivered', '1795510800')] })), config);

    expect(result.ok && result.value.reports.map((r) => [r.status, r.reportId, r.occurredAt])).toEqual([
      ['read', `${WAMID}:read`, '2026-11-24T09:01:00.000Z'],
      ['delivered', `${WAMID}:delivered`, '2026-11-24T09:00:00.000Z'],
    ]);
  });

  it.each([
    ['STOP', 'opt-out', 'STOP'], ['stop.', 'opt-out', 'STOP'], [' Stop All ', 'opt-out', 'STOP ALL'], ['UNSUBSCRIBE', 'opt-out', 'UNSUBSCRIBE'],
    ['रोकें', 'opt-out', 'रोकें'], ['बंद करें।', 'opt-out', 'बंद करें'], ['START', 'opt-in', 'START'], ['शुरू', 'opt-in', 'शुरू'],
  ])('reads the reply %j as %s', (text, intent, keyword) => {
    const result = parseWhatsAppWebhook(request(envelope({ contacts: [{ profile: { name: 'Asha' }, wa_id: '919876543210' }], messages: [inbound(text)] })), config);

    expect(result.ok && result.value.replies).toEqual([
      { provider: '360dialog', channel: 'whatsapp', from: '+919876543210', intent, keyword, text, messageType: 'text', messageId: 'wamid.INBOUND1', receivedAt: '2026-11-24T09:01:40.000Z' },
    ]);
  });

  it.each(['please do not stop my reminders', 'cancel', 'Thanks!'])('does not read %j as a consent keyword', (text) => {
    const result = parseWhatsAppWebhook(request(envelope({ messages: [inbound(text)] })), config);

    expect(result.ok && result.value.replies).toEqual([expect.objectContaining({ intent: 'other', text })]);
    expect(result.ok && result.value.replies[0]).not.toHaveProperty('keyword');
  });

  it('reads a quick-reply button labelled STOP as an opt-out', () => {
    const button = { from: '919876543210', id: 'wamid.BTN', timestamp: '1795510900', type: 'button', button: { text: 'Stop', payload: 'Stop promotions' } };

    const result = parseWhatsAppWebhook(request(envelope({ messages: [button] })), config);

    expect(result.ok && result.value.replies[0]).toMatchObject({ intent: 'opt-out' });
  });

  it.each([
    ['no secret header', {}],
    ['a wrong secret', { 'x-webhook-secret': 'guess' }],
  ])('rejects a callback with %s', (_name, headers) => {
    expect(parseWhatsAppWebhook(request(envelope({ statuses: [status('read', '1795510860')] }), headers), config)).toEqual({
      ok: false, error: { kind: 'bad-signature', detail: expect.any(String) },
    });
  });

  it('takes the secret from a configured header name', () => {
    const custom = { sharedSecret: 's3cret', secretHeaderName: 'Authorization' };

    expect(parseWhatsAppWebhook(request(envelope({}), { authorization: 's3cret' }), custom).ok).toBe(true);
    expect(parseWhatsAppWebhook(request(envelope({}), { 'x-webhook-secret': 's3cret' }), custom).ok).toBe(false);
  });

  it('checks x-360dialog-signature when a platform secret is configured', () => {
    const signed = { ...config, hmacSecret: 'platform-secret' };
    const body = JSON.stringify(envelope({ statuses: [status('sent', '1795510700')] }));
    const hex = createHmac('sha256', 'platform-secret').update(body).digest('hex');
    const base64 = createHmac('sha256', 'platform-secret').update(body).digest('base64');
    const withSignature = (signature: string) => request(body, { 'x-webhook-secret': config.sharedSecret, 'x-360dialog-signature': signature });

    expect(parseWhatsAppWebhook(withSignature(hex), signed).ok).toBe(true);
    expect(parseWhatsAppWebhook(withSignature(`sha256=${hex}`), signed).ok).toBe(true);
    expect(parseWhatsAppWebhook(withSignature(base64), signed).ok).toBe(true);
    expect(parseWhatsAppWebhook(withSignature(hex.replace(/^./, hex[0] === '0' ? '1' : '0')), signed)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
    expect(parseWhatsAppWebhook(request(body), signed)).toMatchObject({ ok: false, error: { kind: 'bad-signature' } });
  });

  it.each([
    ['a body that is not JSON', '{"entry": ['],
    ['a body without entries', { object: 'whatsapp_business_account' }],
    ['a status without a readable timestamp', envelope({ statuses: [status('read', 'yesterday')] })],
  ])('rejects %s as malformed', (_name, body) => {
    expect(parseWhatsAppWebhook(request(body), config)).toMatchObject({ ok: false, error: { kind: 'malformed' } });
  });

  it('ignores other webhook fields and statuses it does not track', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [
        { field: 'message_template_status_update', value: { event: 'APPROVED' } },
        { field: 'messages', value: { statuses: [status('deleted', '1795510800')] } },
      ] }],
    };

    expect(parseWhatsAppWebhook(request(body), config)).toEqual({ ok: true, value: { reports: [], replies: [], suppressions: [] } });
  });
});
