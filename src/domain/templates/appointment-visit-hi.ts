import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Rescheduled, completed, no-show, reminder: Hindi.

export const APPOINTMENT_VISIT_HI: LocaleTemplates = {
  'appointment.rescheduled': {
    whatsapp: whatsapp(1, 'appointment_rescheduled',
      'नमस्ते {{1}}, {{2}} के साथ {{3}} में आपका अपॉइंटमेंट {{4}}, समय {{5}} से बदलकर {{6}}, समय {{7}} कर दिया गया है। बुकिंग संदर्भ: {{8}}।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ previousSlotDate }}', '{{ previousSlotTime }}',
        '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'hi',
      subject: 'अपॉइंटमेंट का नया समय: {{ slotDate }}, समय {{ slotTime }}',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['{{ doctorName }} के साथ {{ centreName }} में आपका अपॉइंटमेंट नए समय पर कर दिया गया है।'],
      details: [
        { label: 'नई तारीख', value: '{{ slotDate }}' },
        { label: 'नया समय', value: '{{ slotTime }}' },
        { label: 'पहले', value: '{{ previousSlotDate }}, समय {{ previousSlotTime }}' },
        { label: 'डॉक्टर', value: '{{ doctorName }}' },
        { label: 'केंद्र', value: '{{ centreName }}' },
        { label: 'बुकिंग संदर्भ', value: '{{ bookingReference }}' },
      ],
      outro: ['यदि नया समय आपके लिए सुविधाजनक नहीं है, तो कृपया क्लिनिक से संपर्क करें।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} के साथ आपका अपॉइंटमेंट अब {{ slotDate }}, समय {{ slotTime }} पर है। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट का समय बदला', '{{ doctorName }}, अब {{ slotDate }}, समय {{ slotTime }}।',
      { eventType: 'appointment.rescheduled', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.completed': {
    whatsapp: whatsapp(1, 'appointment_completed',
      'नमस्ते {{1}}, {{2}} में {{3}} से {{4}} को परामर्श के लिए धन्यवाद। हम आपके अच्छे स्वास्थ्य की कामना करते हैं। बुकिंग संदर्भ: {{5}}।',
      ['{{ patientName }}', '{{ centreName }}', '{{ doctorName }}', '{{ slotDate }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: {{ slotDate }} को {{ doctorName }} से परामर्श के लिए धन्यवाद। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'आपके आने के लिए धन्यवाद', '{{ centreName }} में {{ doctorName }}, {{ slotDate }}।',
      { eventType: 'appointment.completed', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.no_show': {
    whatsapp: whatsapp(1, 'appointment_no_show',
      'नमस्ते {{1}}, {{2}} के साथ {{3}} में {{4}}, समय {{5}} के आपके अपॉइंटमेंट (बुकिंग संदर्भ {{6}}) पर आप नहीं आ पाए। '
        + 'यदि आप अब भी परामर्श लेना चाहते हैं, तो कृपया नया समय बुक करने के लिए क्लिनिक से संपर्क करें।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} के साथ {{ slotDate }}, समय {{ slotTime }} के अपॉइंटमेंट पर आप नहीं आ पाए। नया समय बुक करने के लिए संपर्क करें।'),
    push: push(1, 'आप अपॉइंटमेंट पर नहीं आ पाए', '{{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}। नया समय बुक करने के लिए क्लिनिक से संपर्क करें।',
      { eventType: 'appointment.no_show', bookingReference: '{{ bookingReference }}' }),
  },
  'appointment.reminder': {
    whatsapp: whatsapp(1, 'appointment_reminder',
      'नमस्ते {{1}}, याद दिला दें: {{2}} के साथ {{3}} में आपका अपॉइंटमेंट {{4}} बाद है, {{5}}, समय {{6}}। बुकिंग संदर्भ: {{7}}।',
      ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ reminderOffset }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}']),
    email: email({
      version: 1,
      locale: 'hi',
      subject: 'याद दिला दें: आपका अपॉइंटमेंट {{ reminderOffset }} बाद है',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['याद दिला दें कि {{ doctorName }} के साथ {{ centreName }} में आपका अपॉइंटमेंट {{ reminderOffset }} बाद है।'],
      details: [
        { label: 'तारीख', value: '{{ slotDate }}' },
        { label: 'समय', value: '{{ slotTime }}' },
        { label: 'डॉक्टर', value: '{{ doctorName }}' },
        { label: 'केंद्र', value: '{{ centreName }}' },
        { label: 'बुकिंग संदर्भ', value: '{{ bookingReference }}' },
      ],
      outro: ['यदि आप नहीं आ सकते, तो कृपया क्लिनिक को बताएँ ताकि यह समय किसी और को मिल सके।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: याद दिला दें, {{ doctorName }} के साथ आपका अपॉइंटमेंट {{ reminderOffset }} बाद है ({{ slotDate }}, समय {{ slotTime }})। संदर्भ {{ bookingReference }}।'),
    push: push(1, 'अपॉइंटमेंट {{ reminderOffset }} बाद', '{{ centreName }} में {{ doctorName }}, {{ slotDate }}, समय {{ slotTime }}।',
      { eventType: 'appointment.reminder', bookingReference: '{{ bookingReference }}' }),
  },
};
