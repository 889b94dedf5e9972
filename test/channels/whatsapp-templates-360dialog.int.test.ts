import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelTransport } from '../../src/channels/channel-port.ts';
import { createWhatsApp360DialogTransport } from '../../src/channels/providers/whatsapp-360dialog.ts';
import { listWhatsAppTemplates } from '../../src/channels/providers/whatsapp-360dialog-templates.ts';
import { templateRefusalOf } from '../../src/domain/templates/whatsapp-template-refusal.ts';
import { fixedClock } from '../support/clock.ts';
import {
  metaError,
  start360DialogStandin,
  STANDIN_360DIALOG_KEY,
  wabaTemplate,
  type Dialog360Standin,
  type WabaTemplate,
} from '../support/standins/whatsapp-360dialog-standin.ts';
import { whatsappMessage } from './outbound-fixtures.ts';

let standin: Dialog360Standin;
let transport: ChannelTransport;
const clock = fixedClock('2026-11-24T09:00:00Z');

const REPORT_BASE = 'https://reports.example.in/r/';
const confirmed = wabaTemplate('appointment_confirmed', 'en_US', 'Hello {{1}}, your appointment on {{2}} at {{3}} is confirmed. See you soon.');
const reportReady = wabaTemplate('report_ready', 'en_US', 'Hello {{1}}, your report from {{2}} is ready. Open it below.', { urlButton: `${REPORT_BASE}{{1}}` });

const send = (rendered: { templateName: string; languageCode?: string; bodyParameters: readonly string[]; buttonParameter?: string }) =>
  transport.send(whatsappMessage({
    rendered: { channel: 'whatsapp', languageCode: 'en_US', previewText: 'preview', ...rendered, bodyParameters: [...rendered.bodyParameters] },
  }));

beforeAll(async () => {
  standin = await start360DialogStandin();
  transport = createWhatsApp360DialogTransport({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, requestTimeoutMs: 500, clock });
});
afterAll(async () => {
  await transport.close?.();
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.acceptAnyTemplate();
});

describe('listing the account\'s templates from 360dialog', () => {
  it('pages by offset until it holds the total the provider reports', async () => {
    // Given 7 templates and pages of 3
    const names = Array.from({ length: 7 }, (_, i) => `template_${i}`);
    standin.setTemplates(names.map((name) => wabaTemplate(name, 'en', `Hello {{1}}, number ${name} here.`)));

    // When the client lists them
    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, pageSize: 3 });

    // Then it read three pages and holds all 7
    expect(listed.ok).toBe(true);
    if (!listed.ok) return;
    expect(listed.value).toMatchObject({ total: 7, complete: true, unreadable: 0 });
    expect(listed.value.templates.map((t) => t.name)).toEqual(names);
    expect(standin.requests.map((r) => r.path)).toEqual([
      '/v1/configs/templates?limit=3&offset=0',
      '/v1/configs/templates?limit=3&offset=3',
      '/v1/configs/templates?limit=3&offset=6',
    ]);
  });

  it('stops on an empty page and says the list is not complete', async () => {
    // Given a provider whose total promises more than it then serves
    const page = (offset: number, items: WabaTemplate[]) => ({ status: 200, body: { count: items.length, filters: {}, limit: 1, offset, sort: ['id'], total: 3, waba_templates: items } });
    standin.failNext(1, page(0, [confirmed]));
    standin.failNext(1, page(1, []));

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, pageSize: 1 });

    expect(listed).toMatchObject({ ok: true, value: { total: 3, complete: false } });
    if (listed.ok) expect(listed.value.templates.map((t) => t.name)).toEqual(['appointment_confirmed']);
    expect(standin.requests).toHaveLength(2);
  });

  it('without a total, reads on until a page comes back short', async () => {
    const page = (items: WabaTemplate[]) => ({ status: 200, body: { count: items.length, limit: 2, offset: 0, waba_templates: items } });
    standin.failNext(1, page([confirmed, reportReady]));
    standin.failNext(1, page([wabaTemplate('visit_reminder', 'hi', 'नमस्ते {{1}}, कल आपकी विज़िट है।')]));

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, pageSize: 2 });

    expect(listed).toMatchObject({ ok: true, value: { total: 3, complete: true } });
    expect(standin.requests.map((r) => r.path)).toEqual(['/v1/configs/templates?limit=2&offset=0', '/v1/configs/templates?limit=2&offset=2']);
  });

  it('maps each template to what sending depends on', async () => {
    standin.setTemplates([confirmed, { ...reportReady, rejected_reason: 'NONE' }]);

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url });

    expect(listed.ok && listed.value.templates).toEqual([
      { name: 'appointment_confirmed', language: 'en_US', status: 'approved', category: 'UTILITY', body: confirmed.components[0]!.text, bodyParameters: 3, urlButton: null },
      { name: 'report_ready', language: 'en_US', status: 'approved', category: 'UTILITY', body: reportReady.components[0]!.text, bodyParameters: 2, urlButton: `${REPORT_BASE}{{1}}` },
    ]);
  });

  it.each([
    ['approved', 'approved'], ['APPROVED', 'approved'],
    ['pending', 'pending'], ['PENDING', 'pending'], ['submitted', 'pending'], ['IN_APPEAL', 'pending'],
    ['rejected', 'rejected'], ['REJECTED', 'rejected'],
    ['PAUSED', 'paused'], ['DISABLED', 'disabled'],
    ['ARCHIVED', 'other'], ['LIMIT_EXCEEDED', 'other'],
  ] as const)('maps the status %s to %s', async (listedStatus, status) => {
    standin.setTemplates([wabaTemplate('appointment_confirmed', 'hi', 'नमस्ते {{1}}, आपका अपॉइंटमेंट पक्का है।', { status: listedStatus })]);

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url });

    expect(listed.ok && listed.value.templates[0]!.status).toBe(status);
  });

  it('keeps the rejection reason of a rejected template', async () => {
    standin.setTemplates([wabaTemplate('promo_offer', 'en', 'Hello {{1}}, get 20% off today only.', { status: 'REJECTED', rejectedReason: 'INCORRECT_CATEGORY' })]);

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url });

    expect(listed.ok && listed.value.templates[0]).toMatchObject({ status: 'rejected', rejectedReason: 'INCORRECT_CATEGORY' });
  });

  it('counts a placeholder used twice once, and leaves out items without a name or language', async () => {
    const twice: WabaTemplate = wabaTemplate('visit_reminder', 'en', 'Dear {{1}}, your visit is at {{2}}. {{1}}, please arrive early.');
    standin.failNext(1, { status: 200, body: { count: 2, filters: {}, limit: 1000, offset: 0, sort: ['id'], total: 2, waba_templates: [twice, { status: 'approved' }] } });

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url });

    expect(listed).toMatchObject({ ok: true, value: { unreadable: 1, complete: true } });
    expect(listed.ok && listed.value.templates[0]!.bodyParameters).toBe(2);
  });

  it.each([
    ['a wrong key', { status: 401, body: { meta: { success: false, http_code: 401, developer_message: 'Invalid API key' } } }, { reason: 'wrong-key', status: 401 }],
    ['a rate limit with Retry-After', { status: 429, body: 'Too many requests', headers: { 'retry-after': '60' } }, { reason: 'throttled', status: 429, retryAfterMs: 60_000 }],
    ['a server error', { status: 502, body: 'Bad Gateway' }, { reason: 'provider-error', status: 502 }],
    ['a body it cannot read', { status: 200, body: '<html>maintenance</html>' }, { reason: 'unrecognised-response', status: 200 }],
    ['no answer before the timeout', { hang: true }, { reason: 'timeout' }],
  ] as const)('returns %s as a typed failure', async (_name, answer, expected) => {
    standin.failNext(1, answer);

    const listed = await listWhatsAppTemplates({ apiKey: STANDIN_360DIALOG_KEY, baseUrl: standin.url, requestTimeoutMs: 300, clock });

    expect(listed).toMatchObject({ ok: false, error: expected });
  });

  it('is refused with 401 by the stand-in itself for a wrong key', async () => {
    standin.setTemplates([confirmed]);

    const listed = await listWhatsAppTemplates({ apiKey: 'revoked', baseUrl: standin.url });

    expect(listed).toMatchObject({ ok: false, error: { reason: 'wrong-key', status: 401 } });
  });
});

describe('sending a template the provider knows', () => {
  beforeEach(() => standin.setTemplates([confirmed, reportReady]));

  it('sends the dynamic URL button parameter after the body', async () => {
    const outcome = await send({ templateName: 'report_ready', bodyParameters: ['Asha', 'City Clinic'], buttonParameter: 'a1b2c3' });

    expect(outcome).toMatchObject({ kind: 'sent' });
    expect(standin.accepted).toHaveLength(1);
    const sent = JSON.parse(standin.accepted[0]!.text) as { template: unknown };
    expect(sent.template).toEqual({
      name: 'report_ready',
      language: { code: 'en_US' },
      components: [
        { type: 'body', parameters: [{ type: 'text', text: 'Asha' }, { type: 'text', text: 'City Clinic' }] },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'a1b2c3' }] },
      ],
    });
  });

  it('sends no button component when the message has no button parameter', async () => {
    const outcome = await send({ templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov 2026', '09:30'] });

    expect(outcome).toMatchObject({ kind: 'sent' });
    expect((JSON.parse(standin.accepted[0]!.text) as { template: { components: unknown[] } }).template.components).toHaveLength(1);
  });

  const longName = 'A'.repeat(1000);
  it.each([
    ['an unknown name', { templateName: 'appointment_confirmd', bodyParameters: ['Asha', '26 Nov', '09:30'] }, '132001', 'mismatched'],
    ['a language not approved', { templateName: 'appointment_confirmed', languageCode: 'en', bodyParameters: ['Asha', '26 Nov', '09:30'] }, '132001', 'mismatched'],
    ['one body parameter too few', { templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov'] }, '132000', 'mismatched'],
    ['one body parameter too many', { templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov', '09:30', 'x'] }, '132000', 'mismatched'],
    ['no URL button parameter', { templateName: 'report_ready', bodyParameters: ['Asha', 'City Clinic'] }, '132012', 'mismatched'],
    ['an empty URL button parameter', { templateName: 'report_ready', bodyParameters: ['Asha', 'City Clinic'], buttonParameter: '' }, '132012', 'mismatched'],
    ['a parameter with a newline', { templateName: 'appointment_confirmed', bodyParameters: ['Asha\nRao', '26 Nov', '09:30'] }, '132018', null],
    ['a parameter with a tab', { templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26\tNov', '09:30'] }, '132018', null],
    ['a parameter with five spaces in a row', { templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov', '09:30     am'] }, '132018', null],
    ['a filled-in body over 1024 characters', { templateName: 'appointment_confirmed', bodyParameters: [longName, '26 Nov', '09:30'] }, '132005', 'mismatched'],
  ] as const)('fails permanently for %s with Meta\'s code', async (_name, rendered, code, refusal) => {
    const outcome = await send(rendered);

    expect(outcome).toMatchObject({ kind: 'failed', provider: '360dialog', retryable: false, code });
    expect(outcome).not.toHaveProperty('effect');
    expect(templateRefusalOf(code)).toBe(refusal);
    expect(standin.accepted).toHaveLength(0);
  });

  it('accepts four spaces in a row and a filled-in body of exactly 1024 characters', async () => {
    const fixed = confirmed.components[0]!.text!.replace(/\{\{\d\}\}/g, '').length;
    const fill = 'B'.repeat(1024 - fixed - 'Nov    26'.length - '09:30'.length);

    expect(await send({ templateName: 'appointment_confirmed', bodyParameters: [fill, 'Nov    26', '09:30'] })).toMatchObject({ kind: 'sent' });
  });

  it.each([
    ['PENDING', '132001', 'mismatched'],
    ['REJECTED', '132001', 'mismatched'],
    ['PAUSED', '132015', 'paused'],
    ['DISABLED', '132016', 'disabled'],
  ] as const)('fails permanently for a %s template with %s', async (status, code, refusal) => {
    standin.setTemplates([{ ...confirmed, status }]);

    const outcome = await send({ templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov', '09:30'] });

    expect(outcome).toMatchObject({ kind: 'failed', retryable: false, code });
    expect(templateRefusalOf(code)).toBe(refusal);
  });

  it.each([132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018])('keeps %s permanent even when it comes with a 5xx', async (code) => {
    standin.failNext(1, { status: 500, body: metaError(code, 'Template problem') });

    expect(await send({ templateName: 'appointment_confirmed', bodyParameters: ['Asha', '26 Nov', '09:30'] })).toMatchObject({ kind: 'failed', retryable: false, code: String(code) });
  });

  it('accepts any template again once told to', async () => {
    standin.acceptAnyTemplate();

    expect(await send({ templateName: 'never_listed', bodyParameters: [] })).toMatchObject({ kind: 'sent' });
  });

  it('pauses the channel on a wrong key rather than blaming the template', async () => {
    const wrongKey = createWhatsApp360DialogTransport({ apiKey: 'revoked', baseUrl: standin.url });
    try {
      const outcome = await wrongKey.send(whatsappMessage());
      expect(outcome).toMatchObject({ kind: 'failed', retryable: false, code: 'http-401', effect: 'pause-channel' });
      expect(templateRefusalOf(outcome.kind === 'failed' ? outcome.code : '')).toBeNull();
    } finally {
      await wrongKey.close?.();
    }
  });
});
