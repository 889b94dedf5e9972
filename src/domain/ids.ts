import { hash } from 'node:crypto';

/**
 * A UUID (version 8, RFC 9562) derived from its parts, so the same inputs always name the same
 * thing: redeliveries and replays land on the same notification, the same ledger event id.
 */
export function deterministicUuid(namespace: string, ...parts: readonly (string | number)[]): string {
  let input = namespace;
  for (const part of parts) {
    const text = String(part);
    input += `\u0000${text.length}:${text}`;
  }
  // One-shot SHA-256 of the UTF-8 text: a fan-out derives thousands of ids per batch.
  const bytes = hash('sha256', input, 'buffer').subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
