import type { EventType } from '../event-catalogue.ts';
import { listTemplates } from './template-catalogue.ts';
import { formatTemplateKey, type TemplateContent, type TemplateKey } from './template-content.ts';
import type { ChannelTemplates } from './template-source.ts';
import { VERSION_2 } from './default-templates-v2.ts';

/** A template we ship: its key and its versions, oldest first (versions[0] is version 1). */
export interface DefaultTemplate {
  key: TemplateKey;
  versions: readonly TemplateContent[];
}

/**
 * Version 1 of every default is what earlier releases sent, converted from the sources they sent
 * it from, so a notification planned then (which recorded variables and a version, not words) is
 * rendered with exactly that text.
 */
function version1(source: NonNullable<ChannelTemplates[keyof ChannelTemplates]>, channel: TemplateKey['channel'], locale: string): TemplateContent {
  switch (channel) {
    case 'whatsapp': {
      const s = source as NonNullable<ChannelTemplates['whatsapp']>;
      return { channel, name: s.name, language: locale, category: 'UTILITY', body: s.body, parameters: [...s.parameters] };
    }
    case 'email': {
      const s = source as NonNullable<ChannelTemplates['email']>;
      return { channel, subject: s.subject, html: s.html, text: s.text };
    }
    case 'sms': {
      // No default carries a DLT registration: a clinic registers its own texts and publishes them.
      const s = source as NonNullable<ChannelTemplates['sms']>;
      return { channel, text: s.text };
    }
    case 'push': {
      const s = source as NonNullable<ChannelTemplates['push']>;
      return { channel, title: s.title, body: s.body, data: { ...s.data } };
    }
    case 'in_app': {
      const s = source as NonNullable<ChannelTemplates['in_app']>;
      return { channel, title: s.title, body: s.body };
    }
  }
}

export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = listTemplates().map((entry) => {
  const key: TemplateKey = { eventType: entry.eventType as EventType, channel: entry.channel, locale: entry.locale, centreId: null };
  const later = VERSION_2.get(formatTemplateKey(key));
  return { key, versions: later ? [version1(entry.source, entry.channel, entry.locale), later] : [version1(entry.source, entry.channel, entry.locale)] };
});

const BY_KEY = new Map(DEFAULT_TEMPLATES.map((t) => [formatTemplateKey(t.key), t]));

/** A shipped version's content, or null when we never shipped that version of that key. */
export function defaultTemplateVersion(key: string, version: number): TemplateContent | null {
  return BY_KEY.get(key)?.versions[version - 1] ?? null;
}
