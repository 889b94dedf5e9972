/**
 * Amounts travel as decimal strings ("1250.00"); rules compare them exactly, never through floats.
 * A decimal here is an optional minus sign, digits, and an optional fraction.
 */
const DECIMAL = /^(-)?(\d{1,30})(?:\.(\d{1,12}))?$/;

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** A number or decimal string as its text, or null when it is neither (NaN, 1e9, "12,50"). */
export function decimalText(value: unknown): string | null {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    const text = String(value);
    return isDecimal(text) ? text : null;
  }
  if (typeof value === 'string') return isDecimal(value.trim()) ? value.trim() : null;
  return null;
}

/** -1, 0 or 1 as a < b, a = b, a > b; both must be decimals (`isDecimal`). */
export function compareDecimals(a: string, b: string): number {
  const [sa, ia, fa] = parts(a);
  const [sb, ib, fb] = parts(b);
  const scale = Math.max(fa.length, fb.length);
  const va = sa * BigInt(ia + fa.padEnd(scale, '0'));
  const vb = sb * BigInt(ib + fb.padEnd(scale, '0'));
  return va < vb ? -1 : va > vb ? 1 : 0;
}

function parts(value: string): [bigint, string, string] {
  const match = DECIMAL.exec(value);
  if (!match) throw new Error(`not a decimal: ${value}`);
  return [match[1] ? -1n : 1n, match[2]!, match[3] ?? ''];
}
