/**
 * Consent keywords a patient may reply with. A whole message must be the keyword (after trimming,
 * case and punctuation), so "please don't stop my reminders" is not an opt-out.
 *
 * CANCEL is deliberately absent although carriers treat it as STOP: in a clinic's conversation it
 * usually means "cancel my appointment". (For SMS, Twilio's own opt-out handling still blocks it and
 * the next send fails with 21610, which records the opt-out.)
 */
const OPT_OUT = [
  // English
  'STOP', 'STOP ALL', 'STOPALL', 'UNSUBSCRIBE', 'END', 'QUIT', 'OPT OUT', 'OPTOUT', 'OPT-OUT', 'REVOKE',
  // Hindi and Hinglish
  'रोकें', 'रोको', 'रोक दें', 'बंद', 'बंद करें', 'बंद करो', 'सदस्यता रद्द करें', 'BAND KARO', 'ROKO',
  // Marathi, Gujarati, Punjabi, Bengali
  'थांबवा', 'बंद करा', 'બંધ', 'બંધ કરો', 'ਬੰਦ', 'ਬੰਦ ਕਰੋ', 'বন্ধ', 'বন্ধ করুন',
  // Tamil, Telugu, Kannada, Malayalam
  'நிறுத்து', 'நிறுத்தவும்', 'ఆపు', 'ఆపండి', 'ನಿಲ್ಲಿಸಿ', 'നിർത്തുക',
  // Nepali, Urdu, Arabic
  'रोक्नुहोस्', 'बन्द', 'بند کریں', 'روکیں', 'توقف', 'إيقاف', 'الغاء الاشتراك',
];

const OPT_IN = ['START', 'UNSTOP', 'SUBSCRIBE', 'RESUME', 'शुरू', 'शुरू करें', 'चालू करें', 'START KARO'];

const normalise = (text: string): string =>
  text
    .normalize('NFKC')
    .replace(/[\s.!?,;:'"`*_~।॥()[\]-]+$/u, '')
    .replace(/^[\s.!?,;:'"`*_~()[\]-]+/u, '')
    .replace(/\s+/gu, ' ')
    .toLocaleUpperCase('en');

const OPT_OUT_SET = new Map(OPT_OUT.map((keyword) => [normalise(keyword), keyword]));
const OPT_IN_SET = new Map(OPT_IN.map((keyword) => [normalise(keyword), keyword]));

export interface ReplyIntent {
  intent: 'opt-out' | 'opt-in' | 'other';
  keyword?: string;
}

/** What a patient's reply means for their consent on the channel it came in on. */
export function classifyReply(text: string | undefined): ReplyIntent {
  if (text === undefined) return { intent: 'other' };
  const key = normalise(text);
  const optOut = OPT_OUT_SET.get(key);
  if (optOut !== undefined) return { intent: 'opt-out', keyword: optOut };
  const optIn = OPT_IN_SET.get(key);
  if (optIn !== undefined) return { intent: 'opt-in', keyword: optIn };
  return { intent: 'other' };
}
