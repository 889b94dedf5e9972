/**
 * Formatting of template variables: calendar dates, wall-clock times, instants, amounts.
 * Every output has its non-breaking spaces replaced by plain ones: ICU puts U+202F before "am" and
 * U+00A0 after currency codes, which are invisible to a reader but push an SMS out of GSM-7 into
 * UCS-2 and so cut its segment size from 160 to 70 characters.
 */

const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
const MAX_CACHED_FORMATTERS = 512;

// Building an Intl formatter costs far more than using one, and a fan-out renders thousands of
// messages in the same few locales and zones.
function cached<F extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, build: () => F): F {
  const hit = formatters.get(key);
  if (hit) return hit as F;
  if (formatters.size >= MAX_CACHED_FORMATTERS) formatters.clear();
  const made = build();
  formatters.set(key, made);
  return made;
}

const dateTimeFormat = (locale: string, timeZone: string, options: Intl.DateTimeFormatOptions, kind: string) =>
  cached(`dt|${kind}|${locale}|${timeZone}`, () => new Intl.DateTimeFormat(locale, { ...options, timeZone }));

const LONG_DATE: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
const SHORT_TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

export const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

// A slot is wall-clock time at the centre, not an instant: formatting it as UTC at the same digits
// shows exactly the date and time the centre wrote, with no zone conversion and no DST surprises.
function wallClock(date: string, time = '00:00'): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, hh ?? 0, mm ?? 0));
}

/** `2026-11-26` -> "Thursday, 26 November 2026" (en-IN). */
export function formatCalendarDate(date: string, locale: string): string {
  return plainSpaces(dateTimeFormat(locale, 'UTC', LONG_DATE, 'date').format(wallClock(date)));
}

/** `09:30` -> "9:30 am" (en-IN). */
export function formatWallTime(time: string, locale: string): string {
  return plainSpaces(dateTimeFormat(locale, 'UTC', SHORT_TIME, 'time').format(wallClock('2000-01-01', time)));
}

/** An ISO-8601 instant as date and time at the centre: "Tuesday, 24 November 2026 at 3:15 pm". */
export function formatInstant(iso: string, locale: string, timeZone: string): string {
  const format = dateTimeFormat(locale, timeZone, { ...LONG_DATE, ...SHORT_TIME }, 'instant');
  return plainSpaces(format.format(new Date(iso)));
}

/** An ISO-8601 instant as the calendar date at the centre. */
export function formatInstantDate(iso: string, locale: string, timeZone: string): string {
  return plainSpaces(dateTimeFormat(locale, timeZone, LONG_DATE, 'date').format(new Date(iso)));
}

/**
 * `"1250.00" INR` -> "₹1,250.00" (en-IN). Shows the currency's usual decimals, or more when the
 * amount has them (a JPY amount of "1250.5" is shown as sent, never rounded).
 */
export function formatMoney(amount: string, currency: string, locale: string): string {
  const places = amount.includes('.') ? amount.length - amount.indexOf('.') - 1 : 0;
  const usual = cached(`cur|${currency}`, () => new Intl.NumberFormat('en', { style: 'currency', currency }))
    .resolvedOptions().maximumFractionDigits ?? 2;
  const digits = Math.max(usual, places);
  const format = cached(`money|${locale}|${currency}|${digits}`, () =>
    new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: usual, maximumFractionDigits: digits }));
  return plainSpaces(format.format(Number(amount)));
}

export function formatCount(value: number, locale: string): string {
  return plainSpaces(cached(`n|${locale}`, () => new Intl.NumberFormat(locale)).format(value));
}

/** A reminder offset in words: `24h` -> "24 hours", `30m` -> "30 minutes" (hi: "24 घंटे", "30 मिनट"). */
export function formatOffset(offset: '24h' | '2h' | '30m', locale: string): string {
  const unit = offset.endsWith('h') ? 'hour' : 'minute';
  const format = cached(`unit|${locale}|${unit}`, () => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }));
  return plainSpaces(format.format(Number.parseInt(offset, 10)));
}
