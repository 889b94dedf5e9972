import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/domain/templates/render-template.ts';
import { listTemplates } from '../../src/domain/templates/template-catalogue.ts';
import type { ChannelTemplates } from '../../src/domain/templates/template-source.ts';

// The text engine fills sources of text and bare `{{ variable }}` outputs without a Liquid render.
// Every text source in the catalogue must come out exactly as Liquid itself renders it, and fail
// where Liquid fails.
const liquid = new Liquid({ strictVariables: true, strictFilters: true, lenientIf: true, ownPropertyOnly: true, templates: {} });

function textSources(source: NonNullable<ChannelTemplates[keyof ChannelTemplates]>): string[] {
  if ('parameters' in source) return [...source.parameters];
  if ('html' in source) return [source.subject, source.text];
  if ('data' in source) return [source.title, source.body, ...Object.values(source.data)];
  if ('title' in source) return [source.title, source.body];
  return [source.text];
}

const sources = [...new Set(listTemplates().flatMap((entry) => textSources(entry.source)))];
const variablesOf = (source: string) => [...new Set([...source.matchAll(/\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))];
// Values that would change the text if anything read them again: Liquid markup, HTML, quotes, other scripts.
const value = (name: string) => `${name}: {{ x }} {% if y %}<b>&'"</b> राहुल`;

describe('plain-text rendering', () => {
  it('covers the catalogue: sources with tags and sources with only variables', () => {
    expect(sources.some((s) => s.includes('{%'))).toBe(true);
    expect(sources.filter((s) => !s.includes('{%') && s.includes('{{')).length).toBeGreaterThan(50);
  });

  it.each(sources.map((s) => [s.slice(0, 60), s]))('renders %j exactly as Liquid does', (_label, source) => {
    const vars = Object.fromEntries(variablesOf(source).map((name) => [name, value(name)]));
    expect(renderText(source, vars)).toBe(liquid.parseAndRenderSync(source, vars));
    // Optional variables read by `{% if %}` may be absent; the rest are required in both.
    const empty = Object.fromEntries(variablesOf(source).map((name) => [name, '']));
    expect(renderText(source, empty)).toBe(liquid.parseAndRenderSync(source, empty));
  });

  it('refuses a missing variable as Liquid does, naming it', () => {
    const source = 'Hello {{ patientName }}, see you at {{ centreName }}.';
    expect(() => liquid.parseAndRenderSync(source, { patientName: 'Asha' })).toThrow(/centreName/);
    expect(() => renderText(source, { patientName: 'Asha' })).toThrow(/centreName/);
    expect(() => renderText(source, Object.create({ centreName: 'inherited' }) as Record<string, string>)).toThrow(/patientName/);
  });

  it('leaves a source with filters or trimming to Liquid', () => {
    expect(renderText('{{ name | upcase }}!', { name: 'asha' })).toBe('ASHA!');
    expect(renderText('a  {{- name -}}  b', { name: 'x' })).toBe('axb');
  });
});
