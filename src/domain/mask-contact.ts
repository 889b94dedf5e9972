/** `+919876543210` -> `+91******3210`: the country code and last four digits, nothing else. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+/, '');
  if (digits.length <= 6) return `+${'*'.repeat(digits.length)}`;
  const country = digits.length > 10 ? digits.slice(0, digits.length - 10) : digits.slice(0, 1);
  return `+${country}${'*'.repeat(digits.length - country.length - 4)}${digits.slice(-4)}`;
}

/** `jane@example.com` -> `j***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** Masks whatever kind of address this is: phone, email, or an opaque token (first 4 characters). */
export function maskAddress(address: string): string {
  if (address.includes('@')) return maskEmail(address);
  if (/^\+\d+$/.test(address)) return maskPhone(address);
  return address.length <= 8 ? '***' : `${address.slice(0, 4)}***`;
}
