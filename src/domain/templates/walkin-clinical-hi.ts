import { email } from './email-template.ts';
import { push, sms, whatsapp, type LocaleTemplates } from './template-source.ts';

// Walk-in token called and approaching turn; prescription and report ready: Hindi.

const prescriptionLinkNote = '{% if prescriptionLink %}यहाँ देखें: {{ prescriptionLink }}{% else %}कृपया इसे केंद्र से प्राप्त करें।{% endif %}';
const reportLinkNote = '{% if reportLink %}यहाँ देखें: {{ reportLink }}{% else %}कृपया इसे केंद्र से प्राप्त करें।{% endif %}';

export const WALKIN_CLINICAL_HI: LocaleTemplates = {
  'walkin.token_called': {
    whatsapp: whatsapp(1, 'walkin_token_called',
      'नमस्ते {{1}}, {{2}} की {{3}} कतार में टोकन {{4}} को अभी बुलाया जा रहा है। कृपया {{5}} में जाएँ।',
      ['{{ patientName }}', '{{ centreName }}', '{{ queueName }}', '{{ tokenNumber }}', '{{ room }}']),
    sms: sms(1, '{{ centreName }}: टोकन {{ tokenNumber }} ({{ queueName }}) को अभी बुलाया जा रहा है। कृपया {{ room }} में जाएँ।'),
    push: push(1, 'टोकन {{ tokenNumber }} को बुलाया जा रहा है', 'कृपया अभी {{ room }} में जाएँ।',
      { eventType: 'walkin.token_called', tokenNumber: '{{ tokenNumber }}', room: '{{ room }}' }),
  },
  'walkin.approaching_turn': {
    whatsapp: whatsapp(1, 'walkin_approaching_turn',
      'नमस्ते {{1}}, आपकी बारी आने वाली है: {{2}} की {{3}} कतार में टोकन {{4}} का स्थान {{5}} है। {{6}}',
      ['{{ patientName }}', '{{ centreName }}', '{{ queueName }}', '{{ tokenNumber }}', '{{ position }}',
        '{% if room %}कृपया {{ room }} के पास तैयार रहें।{% else %}कृपया प्रतीक्षा क्षेत्र के पास ही रहें।{% endif %}']),
    sms: sms(1, '{{ centreName }}: {{ queueName }} कतार में टोकन {{ tokenNumber }} का स्थान {{ position }} है। कृपया पास ही रहें।'),
    push: push(1, 'आपकी बारी आने वाली है', '{{ queueName }} कतार में टोकन {{ tokenNumber }} का स्थान {{ position }} है।',
      { eventType: 'walkin.approaching_turn', tokenNumber: '{{ tokenNumber }}', position: '{{ position }}' }),
  },
  'clinical.prescription_ready': {
    whatsapp: whatsapp(1, 'prescription_ready',
      'नमस्ते {{1}}, {{2}} में {{3}} द्वारा लिखा गया आपका पर्चा तैयार है। {{4}}',
      ['{{ patientName }}', '{{ centreName }}', '{{ doctorName }}', prescriptionLinkNote]),
    email: email({
      version: 1,
      locale: 'hi',
      subject: '{{ doctorName }} द्वारा लिखा गया आपका पर्चा तैयार है',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['{{ centreName }} में {{ doctorName }} द्वारा लिखा गया आपका पर्चा तैयार है।'],
      details: [
        { label: 'डॉक्टर', value: '{{ doctorName }}' },
        { label: 'केंद्र', value: '{{ centreName }}' },
        { label: 'अपॉइंटमेंट', value: '{{ slotDate }}, समय {{ slotTime }}', when: 'slotDate' },
        { label: 'बुकिंग संदर्भ', value: '{{ bookingReference }}', when: 'bookingReference' },
      ],
      action: { label: 'अपना पर्चा देखें', href: 'prescriptionLink', when: 'prescriptionLink' },
      outro: [{ text: 'आप इसकी छपी हुई प्रति केंद्र से भी ले सकते हैं।', when: 'prescriptionLink' }],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: {{ doctorName }} द्वारा लिखा गया आपका पर्चा तैयार है।{% if prescriptionLink %} {{ prescriptionLink }}{% endif %}'),
    push: push(1, 'पर्चा तैयार है', '{{ doctorName }} द्वारा लिखा गया आपका पर्चा तैयार है।',
      { eventType: 'clinical.prescription_ready', link: '{% if prescriptionLink %}{{ prescriptionLink }}{% endif %}' }),
  },
  'clinical.report_ready': {
    whatsapp: whatsapp(1, 'report_ready',
      'नमस्ते {{1}}, {{2}} से आपकी रिपोर्ट {{3}} तैयार है। {{4}}',
      ['{{ patientName }}', '{{ centreName }}', '{{ reportName }}', reportLinkNote]),
    email: email({
      version: 1,
      locale: 'hi',
      subject: 'आपकी रिपोर्ट तैयार है: {{ reportName }}',
      greeting: 'नमस्ते {{ patientName }},',
      intro: ['{{ centreName }} से आपकी रिपोर्ट {{ reportName }} तैयार है।'],
      details: [
        { label: 'रिपोर्ट', value: '{{ reportName }}' },
        { label: 'डॉक्टर', value: '{{ doctorName }}', when: 'doctorName' },
        { label: 'केंद्र', value: '{{ centreName }}' },
      ],
      action: { label: 'अपनी रिपोर्ट देखें', href: 'reportLink', when: 'reportLink' },
      outro: ['परिणामों के बारे में कोई प्रश्न हो, तो कृपया अपने डॉक्टर से बात करें।'],
      signoff: '{{ centreName }}',
    }),
    sms: sms(1, '{{ centreName }}: आपकी रिपोर्ट {{ reportName }} तैयार है।{% if reportLink %} {{ reportLink }}{% endif %}'),
    push: push(1, 'रिपोर्ट तैयार है', 'आपकी रिपोर्ट {{ reportName }} तैयार है।',
      { eventType: 'clinical.report_ready', link: '{% if reportLink %}{{ reportLink }}{% endif %}' }),
  },
};
