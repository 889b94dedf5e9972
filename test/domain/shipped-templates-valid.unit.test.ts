import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES } from '../../src/domain/templates/default-templates.ts';
import { formatTemplateKey } from '../../src/domain/templates/template-content.ts';
import { validateTemplateVersion } from '../../src/domain/templates/validate-template.ts';

// The current version of every template we ship passes the checks an admin's version must pass.
describe('the templates we ship', () => {
  it.each(DEFAULT_TEMPLATES.map((t) => [formatTemplateKey(t.key), t] as const))('%s: the current version passes every check', (_, template) => {
    const result = validateTemplateVersion(template.key, template.versions.at(-1)!);
    expect(result.ok ? [] : result.error).toEqual([]);
  });
});
