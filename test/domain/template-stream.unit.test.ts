import { describe, expect, it } from 'vitest';
import type { TemplateContent, TemplateKey } from '../../src/domain/templates/template-content.ts';
import {
  decideInstallDefault,
  decidePublishTemplate,
  decideRetireTemplate,
  evolveTemplate,
  initialTemplateState,
  templateKeyOf,
  type TemplateState,
} from '../../src/domain/templates/template-stream.ts';

const now = new Date('2026-11-24T09:30:00Z');
const key: TemplateKey = { eventType: 'appointment.pending_approval', channel: 'in_app', locale: 'en', centreId: null };
const inApp = (body: string): TemplateContent => ({ channel: 'in_app', title: 'Booking {{ bookingReference }}', body });

/** The state after these events, folded as the command handler does. */
const after = (...events: { type: string; data: unknown }[]): TemplateState => events.reduce(evolveTemplate, initialTemplateState);
const published = (version: number, by: string, content = inApp(`Version ${version} for {{ patientName }}.`)) => ({
  type: 'TemplateVersionPublished',
  data: { ...key, key: 'appointment.pending_approval:in_app:en', version, content, publishedBy: by, publishedAt: now.toISOString() },
});

describe('publishing a template version', () => {
  it('given a new key, when a valid version is published, then it is version 1 by its actor', () => {
    const result = decidePublishTemplate(initialTemplateState, { key, content: inApp('We have {{ patientName }}\'s request.'), actor: 'alice-admin' }, now);
    expect(result.ok && result.value.answer).toMatchObject({ key: 'appointment.pending_approval:in_app:en', version: 1, created: true });
    expect(result.ok && result.value.events[0]!.data).toMatchObject({ version: 1, publishedBy: 'alice-admin', publishedAt: now.toISOString() });
  });

  it('given version 2, when the same content is published again, then nothing is recorded', () => {
    const state = after(published(1, 'system'), published(2, 'alice-admin'));
    const result = decidePublishTemplate(state, { key, content: state.content!, actor: 'alice-admin' }, now);
    expect(result.ok && result.value).toMatchObject({ events: [], answer: { version: 2, created: false } });
  });

  it('given version 2, when an admin publishes over version 1 they read, then it is a version conflict', () => {
    const result = decidePublishTemplate(after(published(1, 'system'), published(2, 'bob')), { key, content: inApp('New {{ patientName }}.'), actor: 'alice-admin', expectedVersion: 1 }, now);
    expect(result).toEqual({ ok: false, error: { kind: 'version-conflict', expectedVersion: 1, currentVersion: 2 } });
  });

  it('refuses a template that reads a variable the event type does not have, naming the path, and records nothing', () => {
    const result = decidePublishTemplate(initialTemplateState, { key, content: inApp('Hello {{ nonsense }}.'), actor: 'alice-admin' }, now);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.kind === 'invalid-template' && result.error.issues.map((i) => i.path)).toContain('content.body');
  });
});

describe('retiring a template', () => {
  it('retires the current version once; a second retirement records nothing', () => {
    const state = after(published(1, 'system'));
    const first = decideRetireTemplate(state, { key: 'appointment.pending_approval:in_app:en', actor: 'alice-admin' }, now);
    expect(first.ok && first.value.events.map((e) => e.data)).toEqual([{ key: 'appointment.pending_approval:in_app:en', version: 1, retiredBy: 'alice-admin', retiredAt: now.toISOString() }]);
    const again = decideRetireTemplate(after(published(1, 'system'), { type: 'TemplateRetired', data: {} }), { key: 'k', actor: 'alice-admin' }, now);
    expect(again.ok && again.value.events).toEqual([]);
  });

  it('refuses a key that was never published', () => {
    expect(decideRetireTemplate(initialTemplateState, { key: 'k', actor: 'a' }, now)).toEqual({ ok: false, error: { kind: 'template-not-found', key: 'k' } });
  });
});

describe('installing the shipped versions', () => {
  const shipped = { key, versions: [inApp('One {{ patientName }}.'), inApp('Two {{ patientName }}.')] };

  it('records every shipped version on a new key, as system', () => {
    const { events, installed } = decideInstallDefault(initialTemplateState, shipped, now);
    expect(installed).toEqual([1, 2]);
    expect(events.map((e) => e.data.publishedBy)).toEqual(['system', 'system']);
  });

  it('adds only the versions a newer release brings where the current version is still the system\'s own', () => {
    expect(decideInstallDefault(after(published(1, 'system', shipped.versions[0])), shipped, now).installed).toEqual([2]);
    expect(decideInstallDefault(after(published(1, 'system'), published(2, 'system')), shipped, now).installed).toEqual([]);
  });

  it('never overwrites a clinic\'s own version, nor brings back a retired key', () => {
    expect(decideInstallDefault(after(published(1, 'system'), published(2, 'alice-admin')), { key, versions: [...shipped.versions, inApp('Three {{ patientName }}.')] }, now).installed).toEqual([]);
    expect(decideInstallDefault(after(published(1, 'system'), { type: 'TemplateRetired', data: {} }), shipped, now).installed).toEqual([]);
  });
});

describe('template keys', () => {
  it.each([
    ['appointment.confirmed:whatsapp:hi', true],
    ['appointment.confirmed:whatsapp:en-GB@centre-blr', true],
    ['appointment.confirmed:fax:hi', false],
    ['appointment.confirmed:whatsapp:Hindi', false],
    ['made.up:whatsapp:hi', false],
    ['appointment.confirmed:whatsapp:hi@', false],
  ])('%s is a key: %s', (text, valid) => {
    expect(templateKeyOf(text).ok).toBe(valid);
  });
});
