import { describe, expect, it } from 'vitest';
import { renderTemplate, templateFor } from '../../src/domain/templates/render-template.ts';
import { templateVariables } from '../../src/domain/templates/template-variables.ts';
import { renderFrom } from './render-helper.ts';
import { FULL, hindiPatient } from './template-fixtures.ts';

describe('template lookup', () => {
  it('falls back to English for a language without templates, and for staff alerts', () => {
    expect(templateFor('appointment.confirmed', 'whatsapp', 'ta-IN')).toMatchObject({ key: 'appointment.confirmed:whatsapp:en', locale: 'en' });
    expect(templateFor('billing.bill_generated', 'email', 'hi')).toMatchObject({ key: 'billing.bill_generated:email:en', locale: 'en' });
  });

  it.each([
    ['appointment.confirmed', 'in_app', 'appointment.confirmed:in_app:en'],
    ['walkin.queue_updated', 'whatsapp', 'walkin.queue_updated:whatsapp:en'],
    ['appointment.exploded', 'email', 'appointment.exploded:email:en'],
  ] as const)('has no template for %s on %s: null, and a typed no-template error', (eventType, channel, key) => {
    expect(templateFor(eventType, channel, 'en-IN')).toBeNull();
    expect(renderTemplate({ eventType, channel, locale: 'en-IN', variables: {} })).toEqual({
      ok: false, error: { kind: 'no-template', template: key, message: expect.stringContaining(channel) },
    });
  });
});

describe('failures are values', () => {
  it('a missing variable is a typed error naming the variable and the template', () => {
    const { doctorName: _dropped, ...variables } = templateVariables('appointment.confirmed', FULL['appointment.confirmed']);
    const result = renderTemplate({ eventType: 'appointment.confirmed', channel: 'whatsapp', locale: 'hi', variables });
    expect(result).toEqual({
      ok: false,
      error: { kind: 'missing-variable', template: 'appointment.confirmed:whatsapp:hi', variable: 'doctorName', message: expect.stringContaining('doctorName') },
    });
  });

  it('an emergency-leave message for an appointment the event does not list fails on that appointment\'s first variable', () => {
    const variables = templateVariables('doctor.emergency_leave', FULL['doctor.emergency_leave'], { appointmentId: 'appt-unknown' });
    const result = renderTemplate({ eventType: 'doctor.emergency_leave', channel: 'email', locale: 'en-IN', variables });
    expect(result.ok || result.error).toMatchObject({ kind: 'missing-variable', variable: 'slotDate', template: 'doctor.emergency_leave:email:en' });
  });

  it('a WhatsApp parameter that renders empty is refused, not sent blank', () => {
    const variables = { ...templateVariables('appointment.confirmed', FULL['appointment.confirmed']), patientName: '   ' };
    const result = renderTemplate({ eventType: 'appointment.confirmed', channel: 'whatsapp', locale: 'en', variables });
    expect(result.ok || result.error).toMatchObject({ kind: 'render-failed', template: 'appointment.confirmed:whatsapp:en', message: expect.stringContaining('{{1}}') });
  });
});

describe('untrusted values', () => {
  const hostile = { ...FULL, 'appointment.confirmed': { ...FULL['appointment.confirmed'], patient: { ...hindiPatient, locale: 'en-IN', name: '<script>alert("x")</script> & Co' } } };

  it('are HTML-escaped in the email HTML and left as written in the text part', () => {
    const message = renderFrom('appointment.confirmed', 'email', 'en-IN', hostile);
    expect(message.html).toContain('<p>Hello &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co,</p>');
    expect(message.html).not.toContain('<script>');
    expect(message.text).toContain('Hello <script>alert("x")</script> & Co,');
  });

  it('are never evaluated as Liquid', () => {
    const variables = { ...templateVariables('appointment.confirmed', FULL['appointment.confirmed']), patientName: '{{ doctorName }} {% if x %}' };
    const result = renderTemplate({ eventType: 'appointment.confirmed', channel: 'sms', locale: 'en', variables });
    expect(result.ok || result.error).toBe(true);
    const viaWhatsApp = renderTemplate({ eventType: 'appointment.confirmed', channel: 'whatsapp', locale: 'en', variables: { ...variables, patientName: 'Asha {{2}}' } });
    expect(viaWhatsApp.ok && viaWhatsApp.value.channel === 'whatsapp' && viaWhatsApp.value.previewText).toMatch(/^Hello Asha \{\{2\}\}, your appointment/);
  });

  it('lose newlines and tabs in WhatsApp parameters, which Meta refuses, and in email subjects, where they would start a header', () => {
    const cancelled = { ...FULL, 'appointment.cancelled': { ...FULL['appointment.cancelled'], reason: 'Doctor\nunavailable\t\ttoday' } };
    const message = renderFrom('appointment.cancelled', 'whatsapp', 'en-IN', cancelled);
    expect(message.bodyParameters[7]).toBe('Reason: Doctor unavailable today. A refund of ₹500.00 will go back to your original payment method.');
    const report = { ...FULL, 'clinical.report_ready': { ...FULL['clinical.report_ready'], report: { id: 'r', name: 'CBC\r\nBcc: x@example.com' } } };
    expect(renderFrom('clinical.report_ready', 'email', 'en-IN', report).subject).toBe('Your report is ready: CBC Bcc: x@example.com');
  });
});

