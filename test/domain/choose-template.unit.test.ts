import { describe, expect, it } from 'vitest';
import { approvalOf, chooseTemplate, templateCandidates, whatsAppTemplateId, type WhatsAppApprovalView } from '../../src/domain/templates/choose-template.ts';
import type { WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import type { ObservedWhatsAppTemplate } from '../../src/domain/templates/template-events.ts';

const content: WhatsAppContent = {
  channel: 'whatsapp',
  name: 'booking_received',
  language: 'en_US',
  category: 'UTILITY',
  body: 'Hello {{1}}, we have request {{2}}.',
  parameters: ['{{ patientName }}', '{{ bookingReference }}'],
};

const observed = (overrides: Partial<ObservedWhatsAppTemplate> = {}): ObservedWhatsAppTemplate => ({
  name: 'booking_received',
  language: 'en_US',
  status: 'approved',
  category: 'UTILITY',
  body: 'Hello {{1}}, we have request {{2}}.',
  bodyParameters: 2,
  urlButton: null,
  ...overrides,
});

const view = (templates: ObservedWhatsAppTemplate[] | null, refused: WhatsAppApprovalView['refused'] = new Map()): WhatsAppApprovalView => ({
  observed: templates && new Map(templates.map((t) => [whatsAppTemplateId(t.name, t.language), t])),
  refused,
});

describe('which template a message uses', () => {
  it('tries the patient\'s locale, then the centre\'s, then English; the exact tag before its language; the centre\'s own before the default', () => {
    expect(templateCandidates('appointment.confirmed', 'whatsapp', ['ta-IN', 'hi'], 'centre-1')).toEqual([
      'appointment.confirmed:whatsapp:ta-IN@centre-1',
      'appointment.confirmed:whatsapp:ta-IN',
      'appointment.confirmed:whatsapp:ta@centre-1',
      'appointment.confirmed:whatsapp:ta',
      'appointment.confirmed:whatsapp:hi@centre-1',
      'appointment.confirmed:whatsapp:hi',
      'appointment.confirmed:whatsapp:en@centre-1',
      'appointment.confirmed:whatsapp:en',
    ]);
  });

  it('names no centre key for an event without a centre, and skips a missing patient locale', () => {
    expect(templateCandidates('system.alert', 'email', [undefined, 'en-IN'], null)).toEqual(['system.alert:email:en-IN', 'system.alert:email:en']);
  });

  it('takes the first candidate with a current version', () => {
    const found = { key: 'b', version: 2, locale: 'en', centreId: null, content };
    expect(chooseTemplate(['a', 'b', 'c'], (key) => (key === 'a' ? null : key === 'b' ? found : { ...found, key }))).toBe(found);
    expect(chooseTemplate(['a'], () => null)).toBeNull();
  });
});

describe('a mapped WhatsApp template\'s state at the provider', () => {
  it('is unknown (and so sent) while the account was never synced', () => {
    expect(approvalOf(content, view(null))).toBe('unknown');
  });

  it('is approved when listed approved with the same body and parameters, whatever the spacing', () => {
    expect(approvalOf(content, view([observed({ body: '  Hello {{1}},  we have request {{2}}. ' })]))).toBe('approved');
  });

  it.each([
    ['pending', observed({ status: 'pending' }), 'pending'],
    ['rejected', observed({ status: 'rejected' }), 'rejected'],
    ['paused', observed({ status: 'paused' }), 'paused'],
    ['disabled', observed({ status: 'disabled' }), 'disabled'],
    ['in another state Meta may add', observed({ status: 'other' }), 'pending'],
    ['with another parameter count', observed({ bodyParameters: 3 }), 'mismatched'],
    ['with other body text', observed({ body: 'Hi {{1}}, request {{2}} received.' }), 'mismatched'],
    ['with a URL button the mapping lacks', observed({ urlButton: 'https://clinic.example/{{1}}' }), 'mismatched'],
  ] as const)('is %s when listed so', (_, listed, state) => {
    expect(approvalOf(content, view([listed]))).toBe(state);
  });

  it('is missing when the name and language are not listed (a language is approved on its own)', () => {
    expect(approvalOf(content, view([observed({ language: 'en' })]))).toBe('missing');
  });

  it('takes a refusal of a send since the last sync over the listing', () => {
    expect(approvalOf(content, view([observed()], new Map([[whatsAppTemplateId('booking_received', 'en_US'), { state: 'paused', code: '132015' }]])))).toBe('paused');
  });
});
