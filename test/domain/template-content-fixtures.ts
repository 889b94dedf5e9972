import type { EmailContent, InAppContent, PushContent, SmsContent, TemplateKey, WhatsAppContent } from '../../src/domain/templates/template-content.ts';

/** Template versions of each channel that pass every publishing check, for tests to break one rule at a time. */

export const confirmedKey = (channel: TemplateKey['channel'], locale = 'en'): TemplateKey =>
  ({ eventType: 'appointment.confirmed', channel, locale, centreId: null });

export const goodWhatsApp: WhatsAppContent = {
  channel: 'whatsapp',
  name: 'appointment_confirmed_v2',
  language: 'en_US',
  category: 'UTILITY',
  body: 'Hello {{1}}, your appointment with {{2}} at {{3}} is confirmed for {{4}} at {{5}}. Booking reference: {{6}}. Reply here if you need help.',
  parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
};

export const reportKey: TemplateKey = { eventType: 'clinical.report_ready', channel: 'whatsapp', locale: 'en', centreId: null };

export const goodReportWhatsApp: WhatsAppContent = {
  channel: 'whatsapp',
  name: 'report_ready_v2',
  language: 'en_IN',
  category: 'UTILITY',
  body: 'Hello {{1}}, your {{2}} report from {{3}} is ready. Tap the button below to view it.',
  parameters: ['{{ patientName }}', '{{ reportName }}', '{{ centreName }}'],
  // A report without its own link opens the portal's list of reports.
  button: { baseUrl: 'https://portal.leapclinic.example/', parameter: '{{ reportLink | default: "https://portal.leapclinic.example/reports" }}' },
};

export const goodEmail: EmailContent = {
  channel: 'email',
  subject: 'Appointment confirmed: {{ slotDate }} at {{ centreName }}',
  html: '<p>Hello {{ patientName }},</p><p>Your appointment with {{ doctorName }} is on {{ slotDate }} at {{ slotTime }}.</p>'
    + '{% if amount %}<p>Payment: {{ amount }} ({{ paymentStatus }})</p>{% endif %}',
  text: 'Hello {{ patientName }},\nYour appointment with {{ doctorName }} is on {{ slotDate }} at {{ slotTime }}.{% if amount %}\nPayment: {{ amount }}{% endif %}',
};

export const reminderKey: TemplateKey = { eventType: 'appointment.reminder', channel: 'sms', locale: 'en', centreId: null };

export const goodSms: SmsContent = {
  channel: 'sms',
  text: 'Reminder: your appointment with {{ doctorName }} at {{ centreName }} is in {{ reminderOffset }}, ref {{ bookingReference }}. - Leap Clinic',
  dlt: {
    templateId: '1107161234567890123',
    registeredText: 'Reminder: your appointment with {#var#} at {#var#} is in {#var#}, ref {#var#}. - Leap Clinic',
    category: 'service-implicit',
    variableTypes: ['text', 'text', 'text', 'reference'],
  },
  provider: { templateId: '65f1c0ffee', variables: { doctor: '{{ doctorName }}', centre: '{{ centreName }}', offset: '{{ reminderOffset }}', ref: '{{ bookingReference }}' } },
};

export const billKey = (channel: 'push' | 'in_app'): TemplateKey => ({ eventType: 'billing.bill_generated', channel, locale: 'en', centreId: null });

export const goodPush: PushContent = {
  channel: 'push',
  title: 'Bill {{ billNumber }}',
  body: '{{ amount }} at {{ centreName }}{% if patientName %} for {{ patientName }}{% endif %}',
  data: { eventType: 'billing.bill_generated', bill: '{{ billNumber }}' },
};

export const goodInApp: InAppContent = { channel: 'in_app', title: 'Bill {{ billNumber }}', body: '{% if staffName %}{{ staffName }}, a{% else %}A{% endif %} bill of {{ amount }} was generated at {{ centreName }}.' };
