import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Confirmed, pending approval, rejected, cancelled: English.

const slotDetails = [
  { label: 'Date', value: '{{ slotDate }}' },
  { label: 'Time', value: '{{ slotTime }}' },
  { label: 'Doctor', value: '{{ doctorName }}' },
  { label: 'Centre', value: '{{ centreName }}' },
  { label: 'Booking reference', value: '{{ bookingReference }}' },
];

const paymentSummary = '{% if paymentStatus %}{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}{% else %}No payment required{% endif %}';

export const APPOINTMENT_BOOKING_EN: LocaleTemplates = {
  'appointment.confirmed': {
    whatsapp: whatsapp(1, 'appointment_confirmed',
      'Hello {{1}}, your appointment with {{2}} at {{3}} is confirmed for {{4}} at {{5}}. Booking reference: {{6}}. Payment: {{7}}.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', paymentSummary]),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Appointment confirmed: {{ slotDate }} at {{ slotTime }}',
      greeting: 'Hello {{ patientName }},',
      intro: ['Your appointment with {{ doctorName }} at {{ centreName }} is confirmed.'],
      details: [...slotDetails, { label: 'Payment', value: '{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}', when: 'paymentStatus' }],
      outro: ['Please arrive 10 minutes early and keep your booking reference handy.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: your appointment with {{ doctorName }} on {{ slotDate }} at {{ slotTime }} is confirmed. Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment confirmed', '{{ doctorName }}, {{ slotDate }} at {{ slotTime }}. Ref {{ bookingReference }}.',
      { eventType: 'appointment.confirmed', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.pending_approval': {
    whatsapp: whatsapp(1, 'appointment_pending_approval',
      'Hello {{1}}, we have received your request for an appointment with {{2}} at {{3}} on {{4}} at {{5}}. '
        + 'It is waiting for the clinic\'s approval, and we will message you as soon as it is decided. Booking reference: {{6}}.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: your request for {{ doctorName }} on {{ slotDate }} at {{ slotTime }} awaits approval. Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment awaiting approval', '{{ doctorName }}, {{ slotDate }} at {{ slotTime }}. We will let you know soon.',
      { eventType: 'appointment.pending_approval', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.rejected': {
    whatsapp: whatsapp(1, 'appointment_rejected',
      'Hello {{1}}, we are sorry: your appointment request with {{2}} at {{3}} for {{4}} at {{5}} could not be accepted. '
        + 'Reason: {{6}}. Booking reference: {{7}}. Please contact the clinic or choose another slot.',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}',
        '{% if rejectionReason %}{{ rejectionReason }}{% else %}not stated{% endif %}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Your appointment request for {{ slotDate }} was not accepted',
      greeting: 'Hello {{ patientName }},',
      intro: ['We are sorry: your request for an appointment with {{ doctorName }} at {{ centreName }} could not be accepted.'],
      details: [...slotDetails, { label: 'Reason', value: '{{ rejectionReason }}', when: 'rejectionReason' }],
      outro: ['Please contact the clinic or choose another slot.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: sorry, your request for {{ doctorName }} on {{ slotDate }} at {{ slotTime }} was not accepted. Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment request not accepted', '{{ doctorName }}, {{ slotDate }} at {{ slotTime }}. Please choose another slot.',
      { eventType: 'appointment.rejected', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.cancelled': {
    whatsapp: whatsapp(1, 'appointment_cancelled',
      'Hello {{1}}, your appointment with {{2}} at {{3}} on {{4}} at {{5}} (booking reference {{6}}) has been cancelled by {{7}}. {{8}}',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', '{{ cancelledBy }}',
        '{% if cancellationReason %}Reason: {{ cancellationReason }}. {% endif %}'
          + '{% if refundAmount %}A refund of {{ refundAmount }} will go back to your original payment method.'
          + '{% else %}To book a new slot, please contact the clinic.{% endif %}']),
    sms: sms(1, '{{ centreName }}: your appointment with {{ doctorName }} on {{ slotDate }} at {{ slotTime }} is cancelled.'
      + '{% if refundAmount %} Refund: {{ refundAmount }}.{% endif %} Ref {{ bookingReference }}.'),
    push: push(1, 'Appointment cancelled', '{{ doctorName }}, {{ slotDate }} at {{ slotTime }}.{% if refundAmount %} Refund: {{ refundAmount }}.{% endif %}',
      { eventType: 'appointment.cancelled', bookingReference: '{{ bookingReference }}' }),
  },
};
