import { maskAddress, maskEmail, maskPhone } from './mask-contact.ts';

/** Keys whose string values are contacts whatever they look like (a push token, `patientPhone`). */
const isContactKey = (key: string): boolean => key === 'to' || /(phone|email|address)$/i.test(key);
// The local part and the domain are bounded (RFC 5321: 64 and 255): unbounded, a long run of
// letters without an @ made the search quadratic (3 s on a 64 KiB string, a size the intake accepts).
const EMAIL_IN_TEXT = /[^\s@"'<>(),;:[\]]{1,64}@[^\s@"'<>(),;:[\]]{1,255}\.[^\s@"'<>(),;:[\]]+/g;
const PHONE_IN_TEXT = /\+\d{7,15}\b/g;

/**
 * A copy of a JSON value with every contact masked: values under contact keys, and any phone
 * number or email address inside other strings (template variables, provider error messages).
 * For callers who may see who a message went to but not how to reach them.
 */
export function maskContactsDeep(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && isContactKey(key) ? maskAddress(value) : maskContactsInText(value);
  if (Array.isArray(value)) return value.map((item) => maskContactsDeep(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, maskContactsDeep(v, k)]));
  }
  return value;
}

/** Phone numbers and email addresses inside free text, masked in place. */
export function maskContactsInText(text: string): string {
  return text.replace(EMAIL_IN_TEXT, (email) => maskEmail(email)).replace(PHONE_IN_TEXT, (phone) => maskPhone(phone));
}
