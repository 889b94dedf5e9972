import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Doctor emergency leave, sent to each affected patient with their refund and reschedule link.

export const EMERGENCY_LEAVE_EN: LocaleTemplates = {
  'doctor.emergency_leave': {
    whatsapp: whatsapp(1, 'doctor_emergency_leave',
      'Hello {{1}}, we are sorry: {{2}} is unavailable because of an emergency, so your appointment at {{3}} on {{4}} at {{5}} '
        + '(booking reference {{6}}) is cancelled. A refund of {{7}} will be credited to you. To book a new slot, use this link: {{8}}',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}',
        '{{ refundAmount }}', '{{ rescheduleLink }}']),
    email: email({
      version: 1,
      locale: 'en',
      subject: 'Your appointment on {{ slotDate }} is cancelled: {{ doctorName }} is unavailable',
      greeting: 'Hello {{ patientName }},',
      intro: [
        'We are sorry: {{ doctorName }} is unavailable because of an emergency, from {{ leaveFrom }} until {{ leaveUntil }}, so your appointment at {{ centreName }} is cancelled.',
      ],
      details: [
        { label: 'Appointment', value: '{{ slotDate }} at {{ slotTime }}' },
        { label: 'Booking reference', value: '{{ bookingReference }}' },
        { label: 'Refund', value: '{{ refundAmount }}' },
      ],
      action: { label: 'Choose a new slot', href: 'rescheduleLink' },
      outro: ['Your refund of {{ refundAmount }} will be credited to your original payment method.'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} is unavailable. Your appointment on {{ slotDate }} at {{ slotTime }} is cancelled. Refund {{ refundAmount }}. Rebook: {{ rescheduleLink }}'),
    push: push(1, 'Appointment cancelled', '{{ doctorName }} is unavailable on {{ slotDate }}. Refund: {{ refundAmount }}. Tap to rebook.',
      { eventType: 'doctor.emergency_leave', bookingReference: '{{ bookingReference }}', link: '{{ rescheduleLink }}' }),
  },
};

export const EMERGENCY_LEAVE_HI: LocaleTemplates = {
  'doctor.emergency_leave': {
    whatsapp: whatsapp(1, 'doctor_emergency_leave',
      'नमस्ते {{1}}, खेद है कि आपात स्थिति के कारण {{2}} उपलब्ध नहीं हैं, इसलिए {{3}} में {{4}}, समय {{5}} का आपका अपॉइंटमेंट '
        + '(बुकिंग संदर्भ {{6}}) रद्द कर दिया गया है। {{7}} की राशि आपको वापस की जाएगी। नया समय बुक करने के लिए यह लिंक खोलें: {{8}}',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}',
        '{{ refundAmount }}', '{{ rescheduleLink }}']),
    email: email({
      version: 1,
      locale: 'hi',
      subject: '{{ slotDate }} का आपका अपॉइंटमेंट रद्द: {{ doctorName }} उपलब्ध नहीं हैं',
      greeting: 'नमस्ते {{ patientName }},',
      intro: [
        'खेद है कि आपात स्थिति के कारण {{ doctorName }} {{ leaveFrom }} से {{ leaveUntil }} तक उपलब्ध नहीं हैं, इसलिए {{ centreName }} में आपका अपॉइंटमेंट रद्द कर दिया गया है।',
      ],
      details: [
        { label: 'अपॉइंटमेंट', value: '{{ slotDate }}, समय {{ slotTime }}' },
        { label: 'बुकिंग संदर्भ', value: '{{ bookingReference }}' },
        { label: 'वापसी राशि', value: '{{ refundAmount }}' },
      ],
      action: { label: 'नया समय चुनें', href: 'rescheduleLink' },
      outro: ['{{ refundAmount }} की राशि आपके मूल भुगतान माध्यम में वापस की जाएगी।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} उपलब्ध नहीं हैं। {{ slotDate }}, समय {{ slotTime }} का आपका अपॉइंटमेंट रद्द है। वापसी {{ refundAmount }}। नया समय: {{ rescheduleLink }}'),
    push: push(1, 'अपॉइंटमेंट रद्द', '{{ doctorName }} {{ slotDate }} को उपलब्ध नहीं हैं। वापसी: {{ refundAmount }}। नया समय चुनने के लिए टैप करें।',
      { eventType: 'doctor.emergency_leave', bookingReference: '{{ bookingReference }}', link: '{{ rescheduleLink }}' }),
  },
};
