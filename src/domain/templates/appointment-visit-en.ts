import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Rescheduled, completed, no-show, reminder: English.

export const APPOINTMENT_VISIT_EN: LocaleTemplates = {
  'appointment.rescheduled': {
    whatsapp: whatsapp(1, 'appointment_rescheduled',
      'Hello {{1}}, your appointment with {{2}} at {{3}} has been moved from {{4}} at {{5}} to {{6}} at {{7}}. Booking reference: {{8}}.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ previousSlotDate }}', '{{ previousSlotTime }}',
        '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Appointment moved to {{ slotDate }} at {{ slotTime }}',
      greeting: 'Hello {{ patientName }},',
      intro: ['Your appointment with {{ doctorName }} at {{ centreName }} has been moved to a new time.'],
      details: [
        { label: 'New date', value: '{{ slotDate }}' },
        { label: 'New time', value: '{{ slotTime }}' },
        { label: 'Previously', value: '{{ previousSlotDate }} at {{ previousSlotTime }}' },
        { label: 'Doctor', value: '{{ doctorName }}' },
        { label: 'Centre', value: '{{ centreName }}' },
        { label: 'Booking reference', value: '{{ bookingReference }}' },
      ],
      outro: ['If the new time does not suit you, please contact the clinic.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: your appointment with {{ doctorName }} is moved to {{ slotDate }} at {{ slotTime }}. Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment rescheduled', '{{ doctorName }}, now {{ slotDate }} at {{ slotTime }}.',
      { eventType: 'appointment.rescheduled', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.completed': {
    whatsapp: whatsapp(1, 'appointment_completed',
      'Hello {{1}}, thank you for your visit to {{2}} at {{3}} on {{4}}. We wish you good health. Booking reference: {{5}}.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: thank you for your visit to {{ doctorName }} on {{ slotDate }}. Ref {{ bookingReference }}.'),
    push: push(1, 'Thank you for your visit', '{{ doctorName }} at {{ centreName }}, {{ slotDate }}.',
      { eventType: 'appointment.completed', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.no_show': {
    whatsapp: whatsapp(1, 'appointment_no_show',
      'Hello {{1}}, we missed you at your appointment with {{2}} at {{3}} on {{4}} at {{5}} (booking reference {{6}}). '
        + 'If you would still like to be seen, please contact the clinic to book a new slot.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: we missed you at your appointment with {{ doctorName }} on {{ slotDate }} at {{ slotTime }}. Please call us to rebook.'),
    push: push(1, 'We missed you', '{{ doctorName }}, {{ slotDate }} at {{ slotTime }}. Contact the clinic to rebook.',
      { eventType: 'appointment.no_show', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.reminder': {
    whatsapp: whatsapp(1, 'appointment_reminder',
      'Hello {{1}}, a reminder: your appointment with {{2}} at {{3}} is in {{4}}, on {{5}} at {{6}}. Booking reference: {{7}}.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ reminderOffset }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Reminder: your appointment is in {{ reminderOffset }}',
      greeting: 'Hello {{ patientName }},',
      intro: ['This is a reminder of your appointment with {{ doctorName }} at {{ centreName }} in {{ reminderOffset }}.'],
      details: [
        { label: 'Date', value: '{{ slotDate }}' },
        { label: 'Time', value: '{{ slotTime }}' },
        { label: 'Doctor', value: '{{ doctorName }}' },
        { label: 'Centre', value: '{{ centreName }}' },
        { label: 'Booking reference', value: '{{ bookingReference }}' },
      ],
      outro: ['If you cannot come, please let the clinic know so that someone else can have the slot.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: reminder, your appointment with {{ doctorName }} is in {{ reminderOffset }} ({{ slotDate }} at {{ slotTime }}). Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment in {{ reminderOffset }}', '{{ doctorName }} at {{ centreName }}, {{ slotDate }} at {{ slotTime }}.',
      { eventType: 'appointment.reminder', bookingReference: '{{ bookingReference }}' }),
  },
};
