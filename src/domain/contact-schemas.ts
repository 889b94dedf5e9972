import { z } from 'zod';

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, { message: 'must be an E.164 phone number such as +919876543210' });

export const EmailAddress = z.email({ message: 'must be an email address' }).max(254);

/**
 * A check that remembers what it found valid: every payload names a locale and a centre's zone, and
 * asking Intl again each time (a DateTimeFormat costs ~50 µs) is most of validating them. Only valid
 * values are kept, and a bounded number (case variants are valid too).
 */
function rememberingValid(isValid: (value: string) => boolean, max = 2000): (value: string) => boolean {
  const valid = new Set<string>();
  return (value) => {
    if (valid.has(value)) return true;
    if (!isValid(value)) return false;
    if (valid.size < max) valid.add(value);
    return true;
  };
}

const isLocale = rememberingValid((tag) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
});

const isTimeZone = rememberingValid((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
});

export const Bcp47 = z.string().min(2).max(35).refine(isLocale, { message: 'must be a BCP 47 language tag such as "hi" or "en-IN"' });

export const IanaTimeZone = z.string().min(1).max(64).refine(isTimeZone, { message: 'must be an IANA time zone such as "Asia/Kolkata"' });

export const IsoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time with a time zone, e.g. 2026-11-24T09:30:00Z' });

export const HttpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);
