import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Confirmed, pending approval, rejected, cancelled: Hindi.

const slotDetails = [
  { label: 'तारीख', value: '{{ slotDate }}' },
  { label: 'समय', value: '{{ slotTime }}' },
  { label: 'डॉक्टर', value: '{{ doctorName }}' },
  { label: 'केंद्र', value: '{{ centreName }}' },
  { label: 'बुकिंग संदर्भ', value: '{{ bookingReference }}' },
];

const paymentSummary = '{% if paymentStatus %}{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}{% else %}भुगतान की आवश्यकता नहीं{% endif %}';

export const APPOINTMENT_BOOKING_HI: LocaleTemplates = {
  'appointment.confirmed': {
    whatsapp: whatsapp(1, 'appointment_confirmed',
      'नमस्ते {{1}}, {{2}} के साथ {{3}} में आपका अपॉइंटमेंट {{4}}, समय {{5}} के लिए पक्का हो गया है। बुकिंग संदर्भ: {{6}}। भुगतान: {{7}}।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', paymentSummary]),
    email: email({
      version: 1,
      locale: 'hi',
      subject: 'अपॉइंटमेंट पक्का: {{ slotDate }}, समय {{ slotTime }}',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['{{ doctorName }} के साथ {{ centreName }} में आपका अपॉइंटमेंट पक्का हो गया है।'],
      details: [...slotDetails, { label: 'भुगतान', value: '{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}', when: 'paymentStatus' }],
      outro: ['कृपया 10 मिनट पहले पहुँचें और अपना बुकिंग संदर्भ साथ रखें।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} के साथ {{ slotDate }}, समय {{ slotTime }} का आपका अपॉइंटमेंट पक्का है। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट पक्का', '{{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}। संदर्भ {{ bookingReference }}।',
      { eventType: 'appointment.confirmed', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.pending_approval': {
    whatsapp: whatsapp(1, 'appointment_pending_approval',
      'नमस्ते {{1}}, {{2}} के साथ {{3}} में {{4}}, समय {{5}} के अपॉइंटमेंट का आपका अनुरोध हमें मिल गया है। '
        + 'यह क्लिनिक की स्वीकृति की प्रतीक्षा में है; निर्णय होते ही हम आपको सूचित करेंगे। बुकिंग संदर्भ: {{6}}।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} के साथ {{ slotDate }}, समय {{ slotTime }} का आपका अनुरोध स्वीकृति की प्रतीक्षा में है। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट स्वीकृति की प्रतीक्षा में', '{{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}। हम जल्द ही आपको सूचित करेंगे।',
      { eventType: 'appointment.pending_approval', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.rejected': {
    whatsapp: whatsapp(1, 'appointment_rejected',
      'नमस्ते {{1}}, खेद है कि {{2}} के साथ {{3}} में {{4}}, समय {{5}} के अपॉइंटमेंट का आपका अनुरोध स्वीकार नहीं किया जा सका। '
        + 'कारण: {{6}}। बुकिंग संदर्भ: {{7}}। कृपया क्लिनिक से संपर्क करें या कोई दूसरा समय चुनें।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}',
        '{% if rejectionReason %}{{ rejectionReason }}{% else %}नहीं बताया गया{% endif %}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'hi',
      subject: '{{ slotDate }} के अपॉइंटमेंट का आपका अनुरोध स्वीकार नहीं हुआ',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['खेद है कि {{ doctorName }} के साथ {{ centreName }} में अपॉइंटमेंट का आपका अनुरोध स्वीकार नहीं किया जा सका।'],
      details: [...slotDetails, { label: 'कारण', value: '{{ rejectionReason }}', when: 'rejectionReason' }],
      outro: ['कृपया क्लिनिक से संपर्क करें या कोई दूसरा समय चुनें।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: खेद है, {{ doctorName }} के साथ {{ slotDate }}, समय {{ slotTime }} का आपका अनुरोध स्वीकार नहीं हुआ। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट अनुरोध स्वीकार नहीं हुआ', '{{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}। कृपया कोई दूसरा समय चुनें।',
      { eventType: 'appointment.rejected', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.cancelled': {
    whatsapp: whatsapp(1, 'appointment_cancelled',
      'नमस्ते {{1}}, {{2}} के साथ {{3}} में {{4}}, समय {{5}} का आपका अपॉइंटमेंट (बुकिंग संदर्भ {{6}}) {{7}} रद्द कर दिया गया है। {{8}}',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}', '{{ cancelledBy }}',
        '{% if cancellationReason %}कारण: {{ cancellationReason }}। {% endif %}'
          + '{% if refundAmount %}{{ refundAmount }} की राशि आपके मूल भुगतान माध्यम में वापस कर दी जाएगी।'
          + '{% else %}नया समय बुक करने के लिए कृपया क्लिनिक से संपर्क करें।{% endif %}']),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} के साथ {{ slotDate }}, समय {{ slotTime }} का आपका अपॉइंटमेंट रद्द हो गया है।'
      + '{% if refundAmount %} वापसी: {{ refundAmount }}।{% endif %} संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट रद्द', '{{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}।{% if refundAmount %} वापसी: {{ refundAmount }}।{% endif %}',
      { eventType: 'appointment.cancelled', bookingReference: '{{ bookingReference }}' }),
  },
};
