import { centreDetail, patientDetail, staffAlert } from './staff-template.ts';
import type { LocaleTemplates } from './template-source.ts';

// Staff alerts: English only; a staff member with another locale gets these.

const orNotRecorded = (variable: string) => `{% if ${variable} %}{{ ${variable} }}{% else %}not recorded{% endif %}`;
const forPatient = '{% if patientName %} for {{ patientName }}{% endif %}';

export const STAFF_EN: LocaleTemplates = {
  'billing.bill_generated': staffAlert('billing.bill_generated', {
    version: 1,
    title: 'Bill {{ billNumber }} generated',
    summary: `Bill {{ billNumber }} for {{ amount }} was generated${forPatient}.`,
    details: [{ label: 'Bill number', value: '{{ billNumber }}' }, { label: 'Amount', value: '{{ amount }}' }, patientDetail, centreDetail],
    whatsapp: {
      body: 'Bill {{1}} for {{2}} was generated at {{3}}. Patient: {{4}}.',
      parameters: ['{{ billNumber }}', '{{ amount }}', '{{ centreName }}', orNotRecorded('patientName')],
    },
  }),
  'billing.refund_processed': staffAlert('billing.refund_processed', {
    version: 1,
    title: 'Refund of {{ refundAmount }} processed',
    summary: 'A refund of {{ refundAmount }} was processed{% if billNumber %} against bill {{ billNumber }}{% endif %}'
      + `${forPatient}.{% if refundReason %} Reason: {{ refundReason }}.{% endif %}`,
    details: [
      { label: 'Refund', value: '{{ refundAmount }}' },
      { label: 'Bill number', value: '{{ billNumber }}', when: 'billNumber' },
      { label: 'Reason', value: '{{ refundReason }}', when: 'refundReason' },
      patientDetail,
      centreDetail,
    ],
    whatsapp: {
      body: 'A refund of {{1}} was processed at {{2}}. Bill: {{3}}. Patient: {{4}}. Reason: {{5}}.',
      parameters: ['{{ refundAmount }}', '{{ centreName }}', orNotRecorded('billNumber'), orNotRecorded('patientName'), orNotRecorded('refundReason')],
    },
  }),
  'billing.deposit_received': staffAlert('billing.deposit_received', {
    version: 1,
    title: 'Deposit of {{ amount }} received',
    summary: 'A deposit of {{ amount }} was received{% if depositMethod %} by {{ depositMethod }}{% endif %}'
      + '{% if patientName %} from {{ patientName }}{% endif %}.',
    details: [
      { label: 'Amount', value: '{{ amount }}' },
      { label: 'Method', value: '{{ depositMethod }}', when: 'depositMethod' },
      patientDetail,
      centreDetail,
    ],
    whatsapp: {
      body: 'A deposit of {{1}} was received at {{2}}. Method: {{3}}. Patient: {{4}}.',
      parameters: ['{{ amount }}', '{{ centreName }}', orNotRecorded('depositMethod'), orNotRecorded('patientName')],
    },
  }),
  'package.purchased': staffAlert('package.purchased', {
    version: 1,
    title: 'Package purchased: {{ packageName }}',
    summary: '{{ patientName }} bought the package {{ packageName }}{% if amount %} for {{ amount }}{% endif %}'
      + '{% if sessionsTotal %} ({{ sessionsTotal }} sessions){% endif %}.',
    details: packageDetails(),
    whatsapp: {
      body: '{{1}} bought the package {{2}} at {{3}}. Sessions: {{4}}. Price: {{5}}.',
      parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}', orNotRecorded('sessionsTotal'), orNotRecorded('amount')],
    },
  }),
  'package.redeemed': staffAlert('package.redeemed', {
    version: 1,
    title: 'Package session used: {{ packageName }}',
    summary: '{{ patientName }} used a session of the package {{ packageName }}'
      + '{% if sessionsRemaining %}; {{ sessionsRemaining }} of {{ sessionsTotal }} left{% endif %}.',
    details: packageDetails(),
    whatsapp: {
      body: '{{1}} used a session of the package {{2}} at {{3}}. Sessions left: {{4}}.',
      parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}', orNotRecorded('sessionsRemaining')],
    },
  }),
  'package.expired': staffAlert('package.expired', {
    version: 1,
    title: 'Package expired: {{ packageName }}',
    summary: 'The package {{ packageName }} of {{ patientName }} has expired'
      + '{% if sessionsRemaining %} with {{ sessionsRemaining }} sessions unused{% endif %}.',
    details: packageDetails(),
    whatsapp: {
      body: 'The package {{1}} of {{2}} at {{3}} has expired. Unused sessions: {{4}}.',
      parameters: ['{{ packageName }}', '{{ patientName }}', '{{ centreName }}', orNotRecorded('sessionsRemaining')],
    },
  }),
  'package.exhausted': staffAlert('package.exhausted', {
    version: 1,
    title: 'Package used up: {{ packageName }}',
    summary: '{{ patientName }} has used every session of the package {{ packageName }}'
      + '{% if sessionsTotal %} ({{ sessionsTotal }} sessions){% endif %}.',
    details: packageDetails(),
    whatsapp: {
      body: '{{1}} has used every session of the package {{2}} at {{3}}.',
      parameters: ['{{ patientName }}', '{{ packageName }}', '{{ centreName }}'],
    },
  }),
  'lab.test_requested': staffAlert('lab.test_requested', {
    version: 1,
    title: '{{ testPriority }} test requested: {{ testName }}',
    summary: '{{ testName }} ({{ testPriority }}) was requested for {{ patientName }}{% if doctorName %} by {{ doctorName }}{% endif %}.',
    details: [
      { label: 'Test', value: '{{ testName }}' },
      { label: 'Priority', value: '{{ testPriority }}' },
      patientDetail,
      { label: 'Requested by', value: '{{ doctorName }}', when: 'doctorName' },
      centreDetail,
    ],
    whatsapp: {
      body: '{{1}} test requested at {{2}}: {{3}} for {{4}}. Requested by: {{5}}.',
      parameters: ['{{ testPriority }}', '{{ centreName }}', '{{ testName }}', '{{ patientName }}', orNotRecorded('doctorName')],
    },
  }),
  'system.alert': staffAlert('system.alert', {
    version: 1,
    title: '{{ alertSubject }}',
    summary: '{{ alertMessage }}',
    details: [{ label: 'Kind', value: '{{ alertKind }}' }, { label: 'Centre', value: '{{ centreName }}', when: 'centreName' }],
    whatsapp: {
      body: 'System alert ({{1}}): {{2}}. Please check the admin console.',
      parameters: ['{{ alertKind }}', '{{ alertSubject }}'],
    },
  }),
  'patient.replied': staffAlert('patient.replied', {
    version: 1,
    title: '{% if patientName %}{{ patientName }}{% else %}A patient{% endif %} replied on {{ replyChannel }}',
    summary: '{{ replyText }}',
    details: [patientDetail, { label: 'Channel', value: '{{ replyChannel }}' }, centreDetail],
    whatsapp: {
      body: 'A patient of {{1}} wrote to the clinic on {{2}}. Their message: {{3}}. Please answer from the Conversations view.',
      parameters: ['{{ centreName }}', '{{ replyChannel }}', '{{ replyText }}'],
    },
  }),
};

function packageDetails() {
  return [
    { label: 'Package', value: '{{ packageName }}' },
    patientDetail,
    { label: 'Sessions', value: '{{ sessionsTotal }}', when: 'sessionsTotal' },
    { label: 'Sessions used', value: '{{ sessionsUsed }}', when: 'sessionsUsed' },
    { label: 'Sessions left', value: '{{ sessionsRemaining }}', when: 'sessionsRemaining' },
    { label: 'Valid until', value: '{{ packageValidUntil }}', when: 'packageValidUntil' },
    { label: 'Price', value: '{{ amount }}', when: 'amount' },
    centreDetail,
  ];
}
