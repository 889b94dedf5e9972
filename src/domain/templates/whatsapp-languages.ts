/*
 * Meta's language codes for WhatsApp message templates: case-sensitive, with an underscore before
 * the region (`en_US`, never `en-US`). A template's `language` must be one of these exactly as it
 * was approved; Meta refuses a send whose code differs from the approved one (error 132001).
 *
 * Source: Meta, "Supported Languages" (Cloud API message templates), updated May 21, 2026:
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/templates/supported-languages
 * (mirrored at docs.ycloud.com, "Supported WhatsApp template languages"). Meta adds codes over
 * time: a code missing here is added to this list, not worked around.
 */
const CODES = [
  'af', // Afrikaans
  'sq', // Albanian
  'ar', 'ar_EG', 'ar_AE', 'ar_LB', 'ar_MA', 'ar_QA', // Arabic
  'az', // Azerbaijani
  'be_BY', // Belarusian
  'bn', 'bn_IN', // Bengali
  'bg', // Bulgarian
  'ca', // Catalan
  'zh_CN', 'zh_HK', 'zh_TW', // Chinese
  'hr', // Croatian
  'cs', // Czech
  'da', // Danish
  'prs_AF', // Dari
  'nl', 'nl_BE', // Dutch
  'en', 'en_GB', 'en_US', 'en_AE', 'en_AU', 'en_CA', 'en_GH', 'en_IE', 'en_IN', 'en_JM', 'en_MY', 'en_NZ', 'en_QA', 'en_SG', 'en_UG', 'en_ZA', // English
  'et', // Estonian
  'fil', // Filipino
  'fi', // Finnish
  'fr', 'fr_BE', 'fr_CA', 'fr_CH', 'fr_CI', 'fr_MA', // French
  'ka', // Georgian
  'de', 'de_AT', 'de_CH', // German
  'el', // Greek
  'gu', // Gujarati
  'ha', // Hausa
  'he', // Hebrew
  'hi', // Hindi
  'hu', // Hungarian
  'id', // Indonesian
  'ga', // Irish
  'it', // Italian
  'ja', // Japanese
  'kn', // Kannada
  'kk', // Kazakh
  'rw_RW', // Kinyarwanda
  'ko', // Korean
  'ky_KG', // Kyrgyz (Kyrgyzstan)
  'lo', // Lao
  'lv', // Latvian
  'lt', // Lithuanian
  'mk', // Macedonian
  'ms', // Malay
  'ml', // Malayalam
  'mr', // Marathi
  'nb', // Norwegian
  'ps_AF', // Pashto
  'fa', // Persian
  'pl', // Polish
  'pt_BR', 'pt_PT', // Portuguese
  'pa', // Punjabi
  'ro', // Romanian
  'ru', // Russian
  'sr', // Serbian
  'si_LK', // Sinhala
  'sk', // Slovak
  'sl', // Slovenian
  'es', 'es_AR', 'es_CL', 'es_CO', 'es_CR', 'es_DO', 'es_EC', 'es_HN', 'es_MX', 'es_PA', 'es_PE', 'es_ES', 'es_UY', // Spanish
  'sw', // Swahili
  'sv', // Swedish
  'ta', // Tamil
  'te', // Telugu
  'th', // Thai
  'tr', // Turkish
  'uk', // Ukrainian
  'ur', // Urdu
  'uz', // Uzbek
  'vi', // Vietnamese
  'zu', // Zulu
] as const;

export const WHATSAPP_TEMPLATE_LANGUAGES: ReadonlySet<string> = new Set<string>(CODES);
