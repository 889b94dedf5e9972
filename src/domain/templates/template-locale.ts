/** The languages templates are written in. Any recipient locale maps onto one of these. */
export const TEMPLATE_LOCALES = ['en', 'hi'] as const;
export type TemplateLocale = (typeof TEMPLATE_LOCALES)[number];

export const DEFAULT_LOCALE = 'en-IN';

/** The recipient's locale: their own, else their centre's, else the product default. */
export function recipientLocale(patient: { locale?: string | undefined } | undefined, centre: { locale?: string | undefined } | undefined): string {
  return patient?.locale ?? centre?.locale ?? DEFAULT_LOCALE;
}

/** The template language for a BCP 47 locale: `hi`, `hi-IN` -> `hi`; everything else -> `en`. */
export function templateLocale(locale: string): TemplateLocale {
  return languageOf(locale) === 'hi' ? 'hi' : 'en';
}

/**
 * The locale to format dates, numbers and amounts in for a message written in `language`.
 * The recipient's own locale when it is that language (so `en-GB` keeps its date order); otherwise
 * the template language in the recipient's region, so a Tamil speaker reading an English message
 * gets Indian English dates and digit grouping rather than Tamil ones inside English text.
 */
export function formattingLocale(recipient: string, language: TemplateLocale): string {
  if (languageOf(recipient) === language) return recipient;
  const region = regionOf(recipient);
  return region ? `${language}-${region}` : language;
}

// Parsing a tag with Intl.Locale costs microseconds and a fan-out asks about the same few tags
// thousands of times.
const parsedTags = new Map<string, { language?: string; region?: string }>();

function parseTag(locale: string): { language?: string; region?: string } {
  const hit = parsedTags.get(locale);
  if (hit) return hit;
  let parsed: { language?: string; region?: string };
  try {
    const tag = new Intl.Locale(locale);
    parsed = { language: tag.language, region: tag.maximize().region };
  } catch {
    parsed = {};
  }
  if (parsedTags.size >= 256) parsedTags.clear();
  parsedTags.set(locale, parsed);
  return parsed;
}

const languageOf = (locale: string): string | undefined => parseTag(locale).language;
const regionOf = (locale: string): string | undefined => parseTag(locale).region;
