import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listTemplates } from '../../src/domain/templates/template-catalogue.ts';
import type { WhatsAppSource } from '../../src/domain/templates/template-source.ts';
import recorded from './template-versions.json' with { type: 'json' };

const entries = listTemplates();
const whatsAppEntries = entries.filter((e) => e.channel === 'whatsapp').map((e) => [e.key, e.source as WhatsAppSource] as const);

describe('WhatsApp templates', () => {
  it.each(whatsAppEntries)('%s numbers its placeholders {{1}}..{{n}} once each, in order, one per parameter', (_key, source) => {
    const placeholders = [...source.body.matchAll(/\{\{(\d+)\}\}/g)].map((m) => Number(m[1]));
    expect(placeholders).toEqual(source.parameters.map((_, i) => i + 1));
    expect(source.name).toMatch(/^[a-z0-9_]{1,512}$/);
  });

  it('use one approved name per event in every language', () => {
    const names = new Map<string, Set<string>>();
    for (const e of entries.filter((x) => x.channel === 'whatsapp')) {
      names.set(e.eventType, (names.get(e.eventType) ?? new Set()).add((e.source as WhatsAppSource).name));
    }
    for (const [eventType, set] of names) expect([eventType, set.size]).toEqual([eventType, 1]);
  });
});

// A NotificationPlanned records (template key, version): the text behind a version must never change.
// When this fails because you changed a template, bump its version and copy the new fingerprints
// from the failure into test/domain/template-versions.json.
describe('template versions', () => {
  const current = Object.fromEntries(entries.map((e) => [e.key, {
    version: e.source.version,
    sha256: createHash('sha256').update(JSON.stringify(e.source)).digest('hex').slice(0, 16),
  }]));
  const known = recorded as Record<string, { version: number; sha256: string }>;

  it('bumps the version whenever a template\'s text changes, and never lowers it', () => {
    const unbumped = Object.entries(current)
      .filter(([key, now]) => known[key] && now.sha256 !== known[key].sha256 && now.version <= known[key].version)
      .map(([key]) => key);
    const lowered = Object.entries(current).filter(([key, now]) => known[key] && now.version < known[key].version).map(([key]) => key);
    expect({ unbumped, lowered }).toEqual({ unbumped: [], lowered: [] });
  });

  it('has every template\'s current fingerprint recorded', () => {
    expect(current).toEqual(known);
  });
});
