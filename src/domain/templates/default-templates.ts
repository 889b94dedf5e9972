import { assertNever } from '../result.ts';
import type { WhatsAppRewrites } from './default-template-rewrite.ts';
import { WHATSAPP_V2_EN } from './default-templates-v2-en.ts';
import { WHATSAPP_V2_HI } from './default-templates-v2-hi.ts';
import { listTemplates, type CatalogueEntry } from './template-catalogue.ts';
import { formatTemplateKey, type TemplateContent, type TemplateKey, type WhatsAppContent } from './template-content.ts';
import type { TemplateLocale } from './template-locale.ts';
import type { EmailSource, InAppSource, PushSource, SmsSource, WhatsAppSource } from './template-source.ts';

/*
 * The templates we ship, as the ledger holds them: every key installed by `system` at first start.
 * Version 1 is the code catalogue converted field for field, so a notification planned before
 * templates were ledger data is rendered again with exactly the words it was planned with.
 * Version 2 exists only where version 1's WhatsApp body breaks Meta's rules or carries a link.
 */

export interface DefaultTemplate {
  key: TemplateKey;
  /** `versions[0]` is version 1; the last is the current one. */
  versions: readonly TemplateContent[];
}

// The codes render-template.ts has always sent for each template language.
const VERSION_1_WHATSAPP_LANGUAGE: Record<TemplateLocale, string> = { en: 'en', hi: 'hi' };

const WHATSAPP_REWRITES: Record<TemplateLocale, WhatsAppRewrites> = { en: WHATSAPP_V2_EN, hi: WHATSAPP_V2_HI };

function versionOne(entry: CatalogueEntry): TemplateContent {
  // listTemplates pairs each channel with that channel's source.
  switch (entry.channel) {
    case 'whatsapp': {
      const { name, body, parameters } = entry.source as WhatsAppSource;
      return { channel: 'whatsapp', name, language: VERSION_1_WHATSAPP_LANGUAGE[entry.locale], category: 'UTILITY', body, parameters: [...parameters] };
    }
    case 'email': {
      const { subject, html, text } = entry.source as EmailSource;
      return { channel: 'email', subject, html, text };
    }
    case 'sms': {
      // A code source names at most a DLT template id, without the registered text, category and
      // variable types a DLT registration needs (and none of today's has one): the text is kept alone.
      const { text } = entry.source as SmsSource;
      return { channel: 'sms', text };
    }
    case 'push': {
      const { title, body, data } = entry.source as PushSource;
      return { channel: 'push', title, body, data: { ...data } };
    }
    case 'in_app': {
      const { title, body } = entry.source as InAppSource;
      return { channel: 'in_app', title, body };
    }
    default:
      return assertNever(entry.channel, 'channel');
  }
}

function versionTwo(entry: CatalogueEntry, first: TemplateContent): WhatsAppContent | null {
  const rewrite = WHATSAPP_REWRITES[entry.locale][entry.eventType];
  if (first.channel !== 'whatsapp' || !rewrite) return null;
  const { body, parameters, button } = rewrite;
  return { ...first, body, parameters: [...parameters], ...(button ? { button: { ...button } } : {}) };
}

// Versions never change once published: a caller must not be able to edit the shared defaults either.
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = deepFreeze(listTemplates().map((entry) => {
  const first = versionOne(entry);
  const second = versionTwo(entry, first);
  return {
    key: { eventType: entry.eventType, channel: entry.channel, locale: entry.locale, centreId: null },
    versions: second ? [first, second] : [first],
  };
}));

const VERSIONS_BY_KEY: ReadonlyMap<string, readonly TemplateContent[]> = new Map(DEFAULT_TEMPLATES.map((t) => [formatTemplateKey(t.key), t.versions]));

/** A shipped version by its formatted key (`appointment.confirmed:whatsapp:hi`) and number; null when we ship no such version. */
export function defaultTemplateVersion(key: string, version: number): TemplateContent | null {
  if (!Number.isInteger(version) || version < 1) return null;
  return VERSIONS_BY_KEY.get(key)?.[version - 1] ?? null;
}
