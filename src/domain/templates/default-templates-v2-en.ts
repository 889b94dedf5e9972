import { DEFAULT_BUTTON_BASE_URL, type WhatsAppRewrites } from './default-template-rewrite.ts';

/*
 * Version 2 of the English WhatsApp defaults whose version 1 Meta would refuse: fixed words before
 * the first and after the last placeholder, words between any two, and links only in a URL button.
 * A report's and a prescription's links are optional, and a button cannot be: those bodies send the
 * patient to the clinic instead, and the email, SMS and push messages still carry the link.
 */

const orNotRecorded = (variable: string) => `{% if ${variable} %}{{ ${variable} }}{% else %}not recorded{% endif %}`;
const seeDashboard = 'See the dashboard for details.';

export const WHATSAPP_V2_EN: WhatsAppRewrites = {
  'appointment.confirmed': {
    body: 'Hello {{1}}, your appointment with {{2}} at {{3}} is confirmed for {{4}} at {{5}}. Booking reference: {{6}}. Payment: {{7}}. '
      + 'Please arrive 10 minutes early and keep your booking reference handy.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}',
      '{% if paymentStatus %}{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}{% else %}No payment required{% endif %}'],
  },
  'appointment.pending_approval': {
    body: 'Hello {{1}}, we have received your request for an appointment with {{2}} at {{3}} on {{4}} at {{5}} (booking reference {{6}}). '
      + 'It is waiting for the clinic\'s approval, and we will message you as soon as it is decided.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
  },
  'appointment.cancelled': {
    body: 'Hello {{1}}, your appointment with {{2}} at {{3}} on {{4}} at {{5}} (booking reference {{6}}) has been cancelled by {{7}}. '
      + 'Reason: {{8}}. Refund: {{9}}. To book a new slot, please contact the clinic.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', '{{ cancelledBy }}',
      '{% if cancellationReason %}{{ cancellationReason }}{% else %}not stated{% endif %}',
      '{% if refundAmount %}{{ refundAmount }} (to your original payment method){% else %}not applicable{% endif %}'],
  },
  'appointment.rescheduled': {
    body: 'Hello {{1}}, your appointment with {{2}} at {{3}} has been moved from {{4}} at {{5}} to {{6}} at {{7}}. Booking reference: {{8}}. '
      + 'If the new time does not suit you, please contact the clinic.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ previousSlotDate }}', '{{ previousSlotTime }}',
      '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
  },
  'appointment.completed': {
    body: 'Hello {{1}}, thank you for your visit to {{2}} at {{3}} on {{4}} (booking reference {{5}}). We wish you good health.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ bookingReference }}'],
  },
  'appointment.reminder': {
    body: 'Hello {{1}}, a reminder: your appointment with {{2}} at {{3}} is in {{4}}, on {{5}} at {{6}}. Booking reference: {{7}}. '
      + 'If you cannot come, please let the clinic know so that someone else can have the slot.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ reminderOffset }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
  },
  'walkin.token_called': {
    body: 'Hello {{1}}, it is your turn: token {{2}} in the {{3}} queue at {{4}} is being called. Please go to {{5}} now.',
    parameters: ['{{ patientName }}', '{{ tokenNumber }}', '{{ queueName }}', '{{ centreName }}', '{{ room }}'],
  },
  'walkin.approaching_turn': {
    body: 'Hello {{1}}, your turn is coming up: token {{2}} is number {{3}} in the {{4}} queue at {{5}}. '
      + 'Please stay close to {{6}} so that you do not miss your call.',
    parameters: ['{{ patientName }}', '{{ tokenNumber }}', '{{ position }}', '{{ queueName }}', '{{ centreName }}',
      '{% if room %}{{ room }}{% else %}the waiting area{% endif %}'],
  },
  'clinical.prescription_ready': {
    body: 'Hello {{1}}, your prescription from {{2}} at {{3}} is ready. You can collect it at the centre or ask the clinic to send you a copy.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}'],
  },
  'clinical.report_ready': {
    body: 'Hello {{1}}, your report {{2}} from {{3}} is ready. You can collect it at the centre or ask the clinic to send you a copy.',
    parameters: ['{{ patientName }}', '{{ reportName }}', '{{ centreName }}'],
  },
  'doctor.emergency_leave': {
    body: 'Hello {{1}}, we are sorry: {{2}} is unavailable because of an emergency, so your appointment at {{3}} on {{4}} at {{5}} '
      + '(booking reference {{6}}) is cancelled. A refund of {{7}} will be credited to you. To book a new slot, please use the button below.',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', '{{ refundAmount }}'],
    button: { baseUrl: DEFAULT_BUTTON_BASE_URL, parameter: '{{ rescheduleLink }}' },
  },

  // Staff alerts.
  'billing.bill_generated': {
    body: `Bill {{1}} for {{2}} was generated at {{3}}. Patient: {{4}}. ${seeDashboard}`,
    parameters: ['{{ billNumber }}', '{{ amount }}', '{{ centreName }}', orNotRecorded('patientName')],
  },
  'billing.refund_processed': {
    body: `A refund of {{1}} was processed at {{2}}. Bill: {{3}}. Patient: {{4}}. Reason: {{5}}. ${seeDashboard}`,
    parameters: ['{{ refundAmount }}', '{{ centreName }}', orNotRecorded('billNumber'), orNotRecorded('patientName'), orNotRecorded('refundReason')],
  },
  'billing.deposit_received': {
    body: `A deposit of {{1}} was received at {{2}}. Method: {{3}}. Patient: {{4}}. ${seeDashboard}`,
    parameters: ['{{ amount }}', '{{ centreName }}', orNotRecorded('depositMethod'), orNotRecorded('patientName')],
  },
  'package.purchased': {
    body: `New package purchase: {{1}} bought the package {{2}} at {{3}}. Sessions: {{4}}. Price: {{5}}. ${seeDashboard}`,
    parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}', orNotRecorded('sessionsTotal'), orNotRecorded('amount')],
  },
  'package.redeemed': {
    body: `Package session used: {{1}} used a session of the package {{2}} at {{3}}. Sessions left: {{4}}. ${seeDashboard}`,
    parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}', orNotRecorded('sessionsRemaining')],
  },
  'package.expired': {
    body: `The package {{1}} of {{2}} at {{3}} has expired. Unused sessions: {{4}}. ${seeDashboard}`,
    parameters: ['{{ packageName }}', '{{ patientName }}', '{{ centreName }}', orNotRecorded('sessionsRemaining')],
  },
  'package.exhausted': {
    body: `Package used up: {{1}} has used every session of the package {{2}} at {{3}}. ${seeDashboard}`,
    parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}'],
  },
  'lab.test_requested': {
    body: `A test was requested at {{1}}. Test: {{2}}. Priority: {{3}}. Patient: {{4}}. Requested by: {{5}}. ${seeDashboard}`,
    parameters: ['{{ centreName }}', '{{ testName }}', '{{ testPriority }}', '{{ patientName }}', orNotRecorded('doctorName')],
  },
  'system.alert': {
    body: 'System alert: {{1}}. Kind: {{2}}. Please check the admin console.',
    parameters: ['{{ alertSubject }}', '{{ alertKind }}'],
  },
};
