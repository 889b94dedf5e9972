import { maskEmail, maskPhone } from '../../domain/mask-contact.ts';

const EMAIL = /[^\s<>"'(),;:@]+@[^\s<>"'(),;:@]+\.[A-Za-z]{2,}/g;
// Phone-like digit runs; provider error codes (131026, 21211) are shorter and stay readable.
const PHONE = /\+?\b\d{8,15}\b/g;

/**
 * Masks phone numbers and emails inside a provider's free text. Error messages and SMTP responses
 * often quote the recipient, and they are kept in the ledger, where contacts belong only to the
 * planning event.
 */
export function scrubContacts(text: string): string {
  return text
    .replace(EMAIL, (email) => maskEmail(email))
    .replace(PHONE, (digits) => maskPhone(digits.startsWith('+') ? digits : `+${digits}`));
}
