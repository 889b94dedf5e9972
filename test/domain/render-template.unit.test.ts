import { describe, expect, it } from 'vitest';
import { CHANNELS, EVENT_TYPES, PATIENT_CHANNELS, STAFF_EVENT_TYPES, type PatientEventType } from '../../src/domain/event-catalogue.ts';
import type { RenderedMessage } from '../../src/domain/templates/rendered-message.ts';
import { templateFor } from '../../src/domain/templates/render-template.ts';
import { renderFrom } from './render-helper.ts';
import { FULL, MINIMAL } from './template-fixtures.ts';
import { isWhatsAppTemplate } from '../../src/domain/templates/rendered-message.ts';

const PATIENT_EVENTS = Object.keys(PATIENT_CHANNELS) as PatientEventType[];
const LOCALES = [['en-IN', 'en'], ['hi-IN', 'hi']] as const;

const patientCases = PATIENT_EVENTS.flatMap((type) =>
  PATIENT_CHANNELS[type].flatMap((channel) => LOCALES.map(([locale, language]) => [type, channel, locale, language] as const)));

describe('patient events on their seed channels', () => {
  it.each(patientCases)('%s on %s renders in %s from a full and a minimal payload', (type, channel, locale, language) => {
    expect(templateFor(type, channel, locale)).toEqual({ key: `${type}:${channel}:${language}`, version: expect.any(Number), locale: language });
    for (const payloads of [FULL, MINIMAL]) {
      const message: RenderedMessage = renderFrom(type, channel, locale, payloads);
      expect(message.channel).toBe(channel);
      if (isWhatsAppTemplate(message)) expect(message.languageCode).toBe(language);
      expect(JSON.stringify(message)).not.toMatch(/undefined|\{\{|\{%/);
    }
  });
});

// Every template there is (SMS and push for patients, all five channels for staff), with every
// optional variable present and with none: proves each template guards what may be absent.
const catalogueCases = EVENT_TYPES.flatMap((type) =>
  CHANNELS.flatMap((channel) => LOCALES.map(([locale]) => [type, channel, locale] as const))
    .filter(([type, channel, locale]) => templateFor(type, channel, locale)?.locale === (locale === 'hi-IN' ? 'hi' : 'en')));

describe('every template in the catalogue', () => {
  it.each(catalogueCases)('%s on %s in %s renders from a full and a minimal payload', (type, channel, locale) => {
    for (const payloads of [FULL, MINIMAL]) expect(() => renderFrom(type, channel, locale, payloads, { staffName: 'Priya' })).not.toThrow();
  });

  it('covers SMS and push for every patient event in English and Hindi', () => {
    for (const type of PATIENT_EVENTS) {
      for (const channel of ['sms', 'push'] as const) {
        expect(templateFor(type, channel, 'en-IN')?.locale).toBe('en');
        expect(templateFor(type, channel, 'hi')?.locale).toBe('hi');
      }
    }
  });

  it.each(STAFF_EVENT_TYPES)('covers %s for staff on email, whatsapp, sms, push and in_app', (type) => {
    for (const channel of ['email', 'whatsapp', 'sms', 'push', 'in_app'] as const) expect(templateFor(type, channel, 'en-IN')).not.toBeNull();
  });
});

describe('representative messages, word for word', () => {
  it('confirmed, WhatsApp, English', () => {
    expect(renderFrom('appointment.confirmed', 'whatsapp', 'en-IN')).toEqual({
      channel: 'whatsapp',
      templateName: 'appointment_confirmed',
      languageCode: 'en',
      bodyParameters: ['Asha Verma', 'Dr. Meera Rao', 'Leap Clinic Indiranagar', 'Thursday, 26 November 2026', '9:30 am', 'BK-1001', 'Paid (₹1,250.00)'],
      previewText: 'Hello Asha Verma, your appointment with Dr. Meera Rao at Leap Clinic Indiranagar is confirmed for Thursday, 26 November 2026 at 9:30 am. '
        + 'Booking reference: BK-1001. Payment: Paid (₹1,250.00).',
    });
  });

  it('confirmed, WhatsApp, Hindi', () => {
    const message = renderFrom('appointment.confirmed', 'whatsapp', 'hi');
    expect(message.languageCode).toBe('hi');
    expect(message.bodyParameters).toEqual(['Asha Verma', 'Dr. Meera Rao', 'Leap Clinic Indiranagar', 'गुरुवार, 26 नवंबर 2026', '9:30 am', 'BK-1001', 'भुगतान हो गया (₹1,250.00)']);
    expect(message.previewText).toBe('नमस्ते Asha Verma, Dr. Meera Rao के साथ Leap Clinic Indiranagar में आपका अपॉइंटमेंट गुरुवार, 26 नवंबर 2026, समय 9:30 am के लिए पक्का हो गया है। '
      + 'बुकिंग संदर्भ: BK-1001। भुगतान: भुगतान हो गया (₹1,250.00)।');
  });

  it('confirmed, email, English: subject and text', () => {
    const message = renderFrom('appointment.confirmed', 'email', 'en-IN');
    expect(message.subject).toBe('Appointment confirmed: Thursday, 26 November 2026 at 9:30 am');
    expect(message.text).toBe([
      'Hello Asha Verma,', '',
      'Your appointment with Dr. Meera Rao at Leap Clinic Indiranagar is confirmed.', '',
      'Date: Thursday, 26 November 2026', 'Time: 9:30 am', 'Doctor: Dr. Meera Rao', 'Centre: Leap Clinic Indiranagar', 'Booking reference: BK-1001', 'Payment: Paid (₹1,250.00)', '',
      'Please arrive 10 minutes early and keep your booking reference handy.', '',
      'Leap Clinic Indiranagar', '',
    ].join('\n'));
    expect(message.html).toContain('<html lang="en">');
    expect(message.html).toContain('<th align="left" style="padding:4px 12px 4px 0">Payment</th><td style="padding:4px 0">Paid (₹1,250.00)</td>');
  });

  it('confirmed, email, Hindi, without a payment: the payment row is left out', () => {
    const message = renderFrom('appointment.confirmed', 'email', 'hi', MINIMAL);
    expect(message.subject).toBe('अपॉइंटमेंट पक्का: गुरुवार, 26 नवंबर 2026, समय 9:30 am');
    expect(message.text).toBe([
      'नमस्ते Ravi Kumar,', '',
      'Dr. Meera Rao के साथ Leap Clinic Indiranagar में आपका अपॉइंटमेंट पक्का हो गया है।', '',
      'तारीख: गुरुवार, 26 नवंबर 2026', 'समय: 9:30 am', 'डॉक्टर: Dr. Meera Rao', 'केंद्र: Leap Clinic Indiranagar', 'बुकिंग संदर्भ: BK-1001', '',
      'कृपया 10 मिनट पहले पहुँचें और अपना बुकिंग संदर्भ साथ रखें।', '',
      'Leap Clinic Indiranagar', '',
    ].join('\n'));
    expect(message.html).toContain('<html lang="hi">');
    expect(message.html).not.toContain('भुगतान</th>');
  });

  it('emergency leave, WhatsApp, English: the refund amount and the reschedule link', () => {
    expect(renderFrom('doctor.emergency_leave', 'whatsapp', 'en-IN').previewText).toBe(
      'Hello Asha Verma, we are sorry: Dr. Meera Rao is unavailable because of an emergency, so your appointment at Leap Clinic Indiranagar '
        + 'on Thursday, 26 November 2026 at 9:30 am (booking reference BK-1001) is cancelled. A refund of ₹1,250.00 will be credited to you. '
        + 'To book a new slot, use this link: https://book.example.com/r/BK-1001',
    );
  });

  it('emergency leave, email, Hindi, at a Kathmandu centre: leave times at +05:45 and the link as a button', () => {
    const data = { ...FULL, 'doctor.emergency_leave': { ...FULL['doctor.emergency_leave'], centre: { ...FULL['doctor.emergency_leave'].centre, timeZone: 'Asia/Kathmandu' } } };
    const message = renderFrom('doctor.emergency_leave', 'email', 'hi-IN', data, { appointmentId: 'appt-2' });
    expect(message.text).toContain('Dr. Meera Rao गुरुवार, 26 नवंबर 2026 को 9:15 am बजे से शुक्रवार, 27 नवंबर 2026 को 6:15 pm बजे तक उपलब्ध नहीं हैं');
    expect(message.text).toContain('वापसी राशि: ₹1,250.00');
    expect(message.text).toContain('नया समय चुनें: https://book.example.com/r/BK-1002');
    expect(message.html).toContain('<a href="https://book.example.com/r/BK-1002" style="color:#0b5cad">नया समय चुनें</a>');
  });

  it.each([
    ['en-IN', 'Hello Asha Verma, token A-017 in the General OPD queue at Leap Clinic Indiranagar is being called now. Please go to Room 4.'],
    ['hi', 'नमस्ते Asha Verma, Leap Clinic Indiranagar की General OPD कतार में टोकन A-017 को अभी बुलाया जा रहा है। कृपया Room 4 में जाएँ।'],
  ])('walk-in token called, WhatsApp, %s: the token and the room', (locale, text) => {
    expect(renderFrom('walkin.token_called', 'whatsapp', locale).previewText).toBe(text);
  });

  it('approaching turn without a room asks the patient to stay near the waiting area', () => {
    expect(renderFrom('walkin.approaching_turn', 'whatsapp', 'en-IN', MINIMAL).previewText).toBe(
      'Hello Ravi Kumar, your turn is coming up: token B-002 is number 1 in the General OPD queue at Leap Clinic Indiranagar. Please stay close to the waiting area.',
    );
  });

  it('a staff alert on in-app and push', () => {
    expect(renderFrom('billing.bill_generated', 'in_app', 'en-IN')).toEqual({
      channel: 'in_app', title: 'Bill INV-2026-0042 generated', body: 'Bill INV-2026-0042 for ₹1,250.00 was generated for Asha Verma.',
    });
    expect(renderFrom('lab.test_requested', 'push', 'en-IN')).toEqual({
      channel: 'push', title: 'Urgent test requested: HbA1c', body: 'HbA1c (Urgent) was requested for Asha Verma by Dr. Meera Rao.', data: { eventType: 'lab.test_requested' },
    });
  });
});

describe('SMS', () => {
  it('counts segments of the rendered text: GSM-7 English fits one part, Hindi goes UCS-2', () => {
    const en = renderFrom('appointment.completed', 'sms', 'en-IN');
    expect(en.text).toBe('Leap Clinic Indiranagar: thank you for your visit to Dr. Meera Rao on Thursday, 26 November 2026. Ref BK-1001.');
    expect(en.segments).toBe(1);
    const hi = renderFrom('appointment.completed', 'sms', 'hi');
    expect(hi.text.length).toBeGreaterThan(70);
    expect(hi.text.length).toBeLessThanOrEqual(134);
    expect(hi.segments).toBe(2);
  });
});
