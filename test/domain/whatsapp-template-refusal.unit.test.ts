import { describe, expect, it } from 'vitest';
import { templateRefusalOf } from '../../src/domain/templates/whatsapp-template-refusal.ts';

describe('what a WhatsApp send error says of the template', () => {
  it.each([
    ['132000', 'mismatched'], ['132001', 'mismatched'], ['132005', 'mismatched'], ['132007', 'mismatched'], ['132012', 'mismatched'],
    ['132015', 'paused'], ['132016', 'disabled'],
    ['132018', null], ['131026', null], ['100', null], ['http-401', null], ['network', null],
  ] as const)('%s means %s', (code, refusal) => expect(templateRefusalOf(code)).toBe(refusal));
});
