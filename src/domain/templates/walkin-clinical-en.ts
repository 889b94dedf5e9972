import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Walk-in token called and approaching turn; prescription and report ready: English.

const prescriptionLinkNote = '{% if prescriptionLink %}View it here: {{ prescriptionLink }}{% else %}Please collect it at the centre.{% endif %}';
const reportLinkNote = '{% if reportLink %}View it here: {{ reportLink }}{% else %}Please collect it at the centre.{% endif %}';

export const WALKIN_CLINICAL_EN: LocaleTemplates = {
  'walkin.token_called': {
    whatsapp: whatsapp(1, 'walkin_token_called',
      'Hello {{1}}, token {{2}} in the {{3}} queue at {{4}} is being called now. Please go to {{5}}.',
      ['{{ patientName }}', '{{ tokenNumber }}', '{{ queueName }}', '{{ centreName }}', '{{ room }}']),
    sms: sms(1, '{{ centreName }}: token {{ tokenNumber }} ({{ queueName }}) is being called now. Please go to {{ room }}.'),
    push: push(1, 'Token {{ tokenNumber }} is being called', 'Please go to {{ room }} now.',
      { eventType: 'walkin.token_called', tokenNumber: '{{ tokenNumber }}', room: '{{ room }}' }),
  },
  'walkin.approaching_turn': {
    whatsapp: whatsapp(1, 'walkin_approaching_turn',
      'Hello {{1}}, your turn is coming up: token {{2}} is number {{3}} in the {{4}} queue at {{5}}. {{6}}',
      ['{{ patientName }}', '{{ tokenNumber }}', '{{ position }}', '{{ queueName }}', '{{ centreName }}',
        '{% if room %}Please be ready near {{ room }}.{% else %}Please stay close to the waiting area.{% endif %}']),
    sms: sms(1, '{{ centreName }}: token {{ tokenNumber }} is number {{ position }} in the {{ queueName }} queue. Please stay close.'),
    push: push(1, 'Your turn is coming up', 'Token {{ tokenNumber }} is number {{ position }} in the {{ queueName }} queue.',
      { eventType: 'walkin.approaching_turn', tokenNumber: '{{ tokenNumber }}', position: '{{ position }}' }),
  },
  'clinical.prescription_ready': {
    whatsapp: whatsapp(1, 'prescription_ready',
      'Hello {{1}}, your prescription from {{2}} at {{3}} is ready. {{4}}',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', prescriptionLinkNote]),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Your prescription from {{ doctorName }} is ready',
      greeting: 'Hello {{ patientName }},',
      intro: ['Your prescription from {{ doctorName }} at {{ centreName }} is ready.'],
      details: [
        { label: 'Doctor', value: '{{ doctorName }}' },
        { label: 'Centre', value: '{{ centreName }}' },
        { label: 'Appointment', value: '{{ slotDate }} at {{ slotTime }}', when: 'slotDate' },
        { label: 'Booking reference', value: '{{ bookingReference }}', when: 'bookingReference' },
      ],
      action: { label: 'View your prescription', href: 'prescriptionLink', when: 'prescriptionLink' },
      outro: [{ text: 'You can collect a printed copy at the centre.', when: 'prescriptionLink' }],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: your prescription from {{ doctorName }} is ready.{% if prescriptionLink %} {{ prescriptionLink }}{% endif %}'),
    push: push(1, 'Prescription ready', 'Your prescription from {{ doctorName }} is ready.',
      { eventType: 'clinical.prescription_ready', link: '{% if prescriptionLink %}{{ prescriptionLink }}{% endif %}' }),
  },
  'clinical.report_ready': {
    whatsapp: whatsapp(1, 'report_ready',
      'Hello {{1}}, your report {{2}} from {{3}} is ready. {{4}}',
      ['{{ patientName }}', '{{ reportName }}', '{{ centreName }}', reportLinkNote]),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Your report is ready: {{ reportName }}',
      greeting: 'Hello {{ patientName }},',
      intro: ['Your report {{ reportName }} from {{ centreName }} is ready.'],
      details: [
        { label: 'Report', value: '{{ reportName }}' },
        { label: 'Doctor', value: '{{ doctorName }}', when: 'doctorName' },
        { label: 'Centre', value: '{{ centreName }}' },
      ],
      action: { label: 'View your report', href: 'reportLink', when: 'reportLink' },
      outro: ['If you have questions about the results, please speak to your doctor.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: your report {{ reportName }} is ready.{% if reportLink %} {{ reportLink }}{% endif %}'),
    push: push(1, 'Report ready', 'Your report {{ reportName }} is ready.',
      { eventType: 'clinical.report_ready', link: '{% if reportLink %}{{ reportLink }}{% endif %}' }),
  },
};
