import { describe, expect, it } from 'vitest';
import { renderContent } from '../../src/domain/templates/render-content.ts';
import type { WhatsAppContent } from '../../src/domain/templates/template-content.ts';
import { WHATSAPP_TEMPLATE_LANGUAGES } from '../../src/domain/templates/whatsapp-languages.ts';
import { goodEmail, goodInApp, goodPush, goodReportWhatsApp, goodSms, goodWhatsApp } from './template-content-fixtures.ts';
import { isWhatsAppTemplate } from '../../src/domain/templates/rendered-message.ts';

const visit = {
  patientName: 'Asha Verma', doctorName: 'Dr. Meera Rao', centreName: 'Leap Clinic Indiranagar',
  slotDate: 'Thursday, 26 November 2026', slotTime: '9:30 am', bookingReference: 'BK-7Q4M2',
};

describe('renderContent', () => {
  it('renders a WhatsApp template: parameters in order, the approved name and language, the preview filled once', () => {
    const result = renderContent('appointment.confirmed:whatsapp:en', goodWhatsApp, { ...visit, bookingReference: '{{2}}' });
    expect(result).toEqual({
      ok: true,
      value: {
        channel: 'whatsapp',
        templateName: 'appointment_confirmed_v2',
        languageCode: 'en_US',
        bodyParameters: ['Asha Verma', 'Dr. Meera Rao', 'Leap Clinic Indiranagar', 'Thursday, 26 November 2026', '9:30 am', '{{2}}'],
        previewText: 'Hello Asha Verma, your appointment with Dr. Meera Rao at Leap Clinic Indiranagar is confirmed for Thursday, '
          + '26 November 2026 at 9:30 am. Booking reference: {{2}}. Reply here if you need help.',
      },
    });
  });

  it('cleans each WhatsApp parameter as Meta requires: no newline or tab, at most four spaces in a row, trimmed', () => {
    const result = renderContent('k', goodWhatsApp, { ...visit, centreName: ' Leap\tClinic\nIndiranagar      East ' });
    expect(result.ok && isWhatsAppTemplate(result.value) && result.value.bodyParameters[2]).toBe('Leap Clinic Indiranagar   East');
  });

  it('refuses a WhatsApp parameter that renders empty, naming its placeholder', () => {
    expect(renderContent('k', goodWhatsApp, { ...visit, doctorName: ' \n ' })).toEqual({
      ok: false,
      error: expect.objectContaining({ kind: 'invalid-parameter', template: 'k', parameter: '{{2}}' }),
    });
  });

  it('sends the button link less its approved base URL', () => {
    const result = renderContent('k', goodReportWhatsApp, { ...visit, reportName: 'CBC', reportLink: 'https://portal.leapclinic.example/reports/rep-1' });
    expect(result.ok && isWhatsAppTemplate(result.value) && result.value.buttonParameter).toBe('reports/rep-1');
  });

  it.each([['https://elsewhere.example/reports/rep-1'], ['https://portal.leapclinic.example/']])('refuses a button link %s that adds nothing to the base URL or leaves it', (link) => {
    const result = renderContent('k', goodReportWhatsApp, { ...visit, reportName: 'CBC', reportLink: link });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ kind: 'render-failed', parameter: 'button' }) });
  });

  it('names a missing variable', () => {
    const { doctorName: _, ...rest } = visit;
    expect(renderContent('k', goodWhatsApp, rest)).toEqual({ ok: false, error: expect.objectContaining({ kind: 'missing-variable', variable: 'doctorName' }) });
  });

  it('renders an email: a one-line subject, escaped HTML, plain text', () => {
    const result = renderContent('k', { ...goodEmail, subject: 'Confirmed:\r\n{{ slotDate }}' }, { ...visit, patientName: 'Asha <b>Verma</b>' });
    expect(result.ok && result.value).toMatchObject({
      channel: 'email',
      subject: 'Confirmed: Thursday, 26 November 2026',
      html: expect.stringContaining('Hello Asha &lt;b&gt;Verma&lt;/b&gt;,'),
      text: expect.stringContaining('Hello Asha <b>Verma</b>,'),
    });
  });

  it('renders an SMS with its segments, DLT registration and the provider template\'s variables', () => {
    const result = renderContent('k', goodSms, { ...visit, reminderOffset: '2 hours' });
    expect(result.ok && result.value).toEqual({
      channel: 'sms',
      text: 'Reminder: your appointment with Dr. Meera Rao at Leap Clinic Indiranagar is in 2 hours, ref BK-7Q4M2. - Leap Clinic',
      segments: 1,
      dltTemplateId: '1107161234567890123',
      dltCategory: 'service-implicit',
      providerTemplate: { templateId: '65f1c0ffee', variables: { doctor: 'Dr. Meera Rao', centre: 'Leap Clinic Indiranagar', offset: '2 hours', ref: 'BK-7Q4M2' } },
    });
  });

  it('renders push with its data and in-app with title and body', () => {
    const vars = { billNumber: 'INV-42', amount: '₹1,250.00', centreName: 'Leap Clinic Indiranagar' };
    expect(renderContent('k', goodPush, vars)).toEqual({
      ok: true,
      value: { channel: 'push', title: 'Bill INV-42', body: '₹1,250.00 at Leap Clinic Indiranagar', data: { eventType: 'billing.bill_generated', bill: 'INV-42' } },
    });
    expect(renderContent('k', goodInApp, { ...vars, staffName: 'Priya' })).toEqual({
      ok: true,
      value: { channel: 'in_app', title: 'Bill INV-42', body: 'Priya, a bill of ₹1,250.00 was generated at Leap Clinic Indiranagar.' },
    });
  });

  it('refuses a source that is not valid Liquid as a render failure, never a throw', () => {
    const broken: WhatsAppContent = { ...goodWhatsApp, parameters: goodWhatsApp.parameters.with(0, '{% if patientName %}') };
    expect(renderContent('k', broken, visit)).toEqual({ ok: false, error: expect.objectContaining({ kind: 'render-failed' }) });
  });
});

describe("Meta's WhatsApp template languages", () => {
  it.each(['en', 'en_US', 'en_GB', 'en_IN', 'hi', 'bn', 'bn_IN', 'gu', 'kn', 'ml', 'mr', 'pa', 'ta', 'te', 'ur', 'af', 'zu', 'ar_EG', 'zh_CN', 'pt_BR'])('has %s', (code) => {
    expect(WHATSAPP_TEMPLATE_LANGUAGES.has(code)).toBe(true);
  });

  it.each(['en-US', 'EN', 'en_us', 'hi_IN', 'tamil', ''])('has no %s: codes are case-sensitive, with an underscore', (code) => {
    expect(WHATSAPP_TEMPLATE_LANGUAGES.has(code)).toBe(false);
  });
});
