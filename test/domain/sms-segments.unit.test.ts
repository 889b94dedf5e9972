import { describe, expect, it } from 'vitest';
import { countSmsSegments } from '../../src/domain/notifications/sms-segments.ts';

const gsm = (n: number) => 'a'.repeat(n);
const hindi = (n: number) => 'क'.repeat(n);

describe('countSmsSegments', () => {
  it.each([
    ['160 GSM characters', gsm(160), 'GSM-7', 160, 1],
    ['161 GSM characters', gsm(161), 'GSM-7', 161, 2],
    ['306 GSM characters (2 x 153)', gsm(306), 'GSM-7', 306, 2],
    ['307 GSM characters', gsm(307), 'GSM-7', 307, 3],
    ['80 extension characters (each an escape pair)', '€'.repeat(80), 'GSM-7', 160, 1],
    ['70 Devanagari characters', hindi(70), 'UCS-2', 70, 1],
    ['71 Devanagari characters', hindi(71), 'UCS-2', 71, 2],
    ['134 Devanagari characters (2 x 67)', hindi(134), 'UCS-2', 134, 2],
    ['135 Devanagari characters', hindi(135), 'UCS-2', 135, 3],
    ['GSM text with one rupee sign', `${gsm(100)}₹`, 'UCS-2', 101, 2],
    ['an empty text', '', 'GSM-7', 0, 1],
  ] as const)('%s: %s, %i units, %i segment(s)', (_name, text, encoding, units, segments) => {
    expect(countSmsSegments(text)).toEqual({ encoding, units, segments });
  });

  it('never splits an escape pair across parts', () => {
    // 152 plain septets then '€' (2 septets) does not fit the first 153-septet part: it moves whole.
    expect(countSmsSegments(`${gsm(152)}€${gsm(152)}`)).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
  });

  it('never splits a surrogate pair across parts', () => {
    expect(countSmsSegments(`${hindi(66)}😀${hindi(66)}`)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
  });
});
