import { DEFAULT_BUTTON_BASE_URL, type WhatsAppRewrites } from './default-template-rewrite.ts';

/*
 * Version 2 of the Hindi WhatsApp defaults whose version 1 Meta would refuse (see the English file
 * for the rules). Version 1 put the patient's name and the doctor's side by side ("नमस्ते {{1}}, {{2}}
 * के साथ ..."), which Meta counts as adjacent placeholders: each greeting is now followed by words.
 */

const slotParameters = ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'];

export const WHATSAPP_V2_HI: WhatsAppRewrites = {
  'appointment.confirmed': {
    body: 'नमस्ते {{1}}, आपका अपॉइंटमेंट {{2}} के साथ {{3}} में {{4}}, समय {{5}} के लिए पक्का हो गया है। बुकिंग संदर्भ: {{6}}। भुगतान: {{7}}। '
      + 'कृपया 10 मिनट पहले पहुँचें और अपना बुकिंग संदर्भ साथ रखें।',
    parameters: [...slotParameters,
      '{% if paymentStatus %}{{ paymentStatus }}{% if amount %} ({{ amount }}){% endif %}{% else %}भुगतान की आवश्यकता नहीं{% endif %}'],
  },
  'appointment.pending_approval': {
    body: 'नमस्ते {{1}}, अपॉइंटमेंट का आपका अनुरोध हमें मिल गया है: {{2}} के साथ {{3}} में {{4}}, समय {{5}} (बुकिंग संदर्भ {{6}})। '
      + 'यह क्लिनिक की स्वीकृति की प्रतीक्षा में है; निर्णय होते ही हम आपको सूचित करेंगे।',
    parameters: slotParameters,
  },
  'appointment.cancelled': {
    body: 'नमस्ते {{1}}, आपका अपॉइंटमेंट {{2}} के साथ {{3}} में {{4}}, समय {{5}} पर था (बुकिंग संदर्भ {{6}})। इसे {{7}} रद्द कर दिया गया है। '
      + 'कारण: {{8}}। राशि वापसी: {{9}}। नया समय बुक करने के लिए कृपया क्लिनिक से संपर्क करें।',
    parameters: [...slotParameters, '{{ cancelledBy }}',
      '{% if cancellationReason %}{{ cancellationReason }}{% else %}नहीं बताया गया{% endif %}',
      '{% if refundAmount %}{{ refundAmount }} (आपके मूल भुगतान माध्यम में){% else %}लागू नहीं{% endif %}'],
  },
  'appointment.rescheduled': {
    body: 'नमस्ते {{1}}, आपका अपॉइंटमेंट {{2}} के साथ {{3}} में {{4}}, समय {{5}} से बदलकर {{6}}, समय {{7}} कर दिया गया है। बुकिंग संदर्भ: {{8}}। '
      + 'यदि नया समय आपके लिए सुविधाजनक नहीं है, तो कृपया क्लिनिक से संपर्क करें।',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ previousSlotDate }}', '{{ previousSlotTime }}',
      '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
  },
  'appointment.completed': {
    body: 'नमस्ते {{1}}, धन्यवाद कि आपने {{2}} में {{3}} से {{4}} को परामर्श लिया (बुकिंग संदर्भ {{5}})। हम आपके अच्छे स्वास्थ्य की कामना करते हैं।',
    parameters: ['{{ patientName }}', '{{ centreName }}', '{{ doctorName }}', '{{ slotDate }}', '{{ bookingReference }}'],
  },
  'appointment.no_show': {
    body: 'नमस्ते {{1}}, आप अपने अपॉइंटमेंट पर नहीं आ पाए: {{2}} के साथ {{3}} में {{4}}, समय {{5}} (बुकिंग संदर्भ {{6}})। '
      + 'यदि आप अब भी परामर्श लेना चाहते हैं, तो कृपया नया समय बुक करने के लिए क्लिनिक से संपर्क करें।',
    parameters: slotParameters,
  },
  'appointment.reminder': {
    body: 'नमस्ते {{1}}, याद दिला दें: {{2}} के साथ {{3}} में आपका अपॉइंटमेंट {{4}} बाद है, {{5}}, समय {{6}}। बुकिंग संदर्भ: {{7}}। '
      + 'यदि आप नहीं आ सकते, तो कृपया क्लिनिक को बताएँ ताकि यह समय किसी और को मिल सके।',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}', '{{ reminderOffset }}', '{{ slotDate }}', '{{ slotTime }}', '{{ bookingReference }}'],
  },
  'walkin.token_called': {
    body: 'नमस्ते {{1}}, आपकी बारी आ गई है: {{2}} की {{3}} कतार में टोकन {{4}} को अभी बुलाया जा रहा है। कृपया {{5}} में जाएँ।',
    parameters: ['{{ patientName }}', '{{ centreName }}', '{{ queueName }}', '{{ tokenNumber }}', '{{ room }}'],
  },
  'walkin.approaching_turn': {
    body: 'नमस्ते {{1}}, आपकी बारी आने वाली है: {{2}} की {{3}} कतार में टोकन {{4}} का स्थान {{5}} है। कृपया {{6}} के पास ही रहें, ताकि आपकी बारी न छूटे।',
    parameters: ['{{ patientName }}', '{{ centreName }}', '{{ queueName }}', '{{ tokenNumber }}', '{{ position }}',
      '{% if room %}{{ room }}{% else %}प्रतीक्षा क्षेत्र{% endif %}'],
  },
  'clinical.prescription_ready': {
    body: 'नमस्ते {{1}}, आपके लिए {{2}} द्वारा लिखा गया पर्चा तैयार है। आप इसे {{3}} से ले सकते हैं या क्लिनिक से इसकी प्रति भेजने को कह सकते हैं।',
    parameters: ['{{ patientName }}', '{{ doctorName }}', '{{ centreName }}'],
  },
  'clinical.report_ready': {
    body: 'नमस्ते {{1}}, आपकी रिपोर्ट {{2}} तैयार है। आप इसे {{3}} से ले सकते हैं या क्लिनिक से इसकी प्रति भेजने को कह सकते हैं।',
    parameters: ['{{ patientName }}', '{{ reportName }}', '{{ centreName }}'],
  },
  'doctor.emergency_leave': {
    body: 'नमस्ते {{1}}, खेद है कि आपात स्थिति के कारण {{2}} उपलब्ध नहीं हैं, इसलिए {{3}} में {{4}}, समय {{5}} का आपका अपॉइंटमेंट '
      + '(बुकिंग संदर्भ {{6}}) रद्द कर दिया गया है। {{7}} की राशि आपको वापस की जाएगी। नया समय बुक करने के लिए कृपया नीचे दिया गया बटन दबाएँ।',
    parameters: [...slotParameters, '{{ refundAmount }}'],
    button: { baseUrl: DEFAULT_BUTTON_BASE_URL, parameter: '{{ rescheduleLink }}' },
  },
};
