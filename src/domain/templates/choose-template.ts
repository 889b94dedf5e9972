import type { Channel, EventType } from '../event-catalogue.ts';
import type { TemplateContent, WhatsAppContent } from './template-content.ts';
import { formatTemplateKey } from './template-content.ts';
import type { ObservedWhatsAppTemplate, TemplateApprovalState, WhatsAppTemplateRefused } from './template-events.ts';

/** A template version as planning sees it: what it is, and the words it holds. */
export interface TemplateVersionRef {
  key: string;
  version: number;
  /** The locale of the key (`hi`, `ta`, `en-GB`). */
  locale: string;
  centreId: string | null;
  content: TemplateContent;
}

const languageOf = (locale: string): string => locale.split('-')[0]!.toLowerCase();

/**
 * The keys to try, best first: the patient's locale, then the centre's, then `en`; for each locale
 * the exact tag before its bare language (`en-GB`, then `en`), and the centre's own template before
 * the default.
 */
export function templateCandidates(eventType: EventType, channel: Channel, locales: readonly (string | undefined)[], centreId: string | null): string[] {
  const tags: string[] = [];
  for (const locale of [...locales, 'en']) {
    if (!locale) continue;
    for (const tag of [locale, languageOf(locale)]) if (!tags.includes(tag)) tags.push(tag);
  }
  return tags.flatMap((locale) => {
    const base = { eventType, channel, locale };
    return centreId === null ? [formatTemplateKey({ ...base, centreId: null })] : [formatTemplateKey({ ...base, centreId }), formatTemplateKey({ ...base, centreId: null })];
  });
}

/** The first candidate that has a current version. */
export function chooseTemplate(candidates: readonly string[], current: (key: string) => TemplateVersionRef | null): TemplateVersionRef | null {
  for (const key of candidates) {
    const found = current(key);
    if (found) return found;
  }
  return null;
}

/** What the provider said of the account's templates, as of one moment. */
export interface WhatsAppApprovalView {
  /** The latest snapshot's templates by `name|language`; null when the account was never synced. */
  observed: ReadonlyMap<string, ObservedWhatsAppTemplate> | null;
  /** Sends refused since that snapshot, by `name|language` (the latest wins). */
  refused: ReadonlyMap<string, Pick<WhatsAppTemplateRefused, 'state' | 'code'>>;
}

export const whatsAppTemplateId = (name: string, language: string): string => `${name}|${language}`;

// Meta compares the body as approved; spacing at the ends and runs of blanks are not content.
const normalise = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The state of a mapped WhatsApp version at the provider. */
export function approvalOf(content: WhatsAppContent, view: WhatsAppApprovalView): TemplateApprovalState {
  const id = whatsAppTemplateId(content.name, content.language);
  const refused = view.refused.get(id);
  if (refused) return refused.state;
  if (!view.observed) return 'unknown';
  const observed = view.observed.get(id);
  if (!observed) return 'missing';
  switch (observed.status) {
    case 'approved':
      break;
    case 'pending':
    case 'rejected':
    case 'paused':
    case 'disabled':
      return observed.status;
    case 'other':
      return 'pending';
  }
  if (observed.bodyParameters !== content.parameters.length) return 'mismatched';
  if (observed.body !== null && normalise(observed.body) !== normalise(content.body)) return 'mismatched';
  if (Boolean(observed.urlButton) !== Boolean(content.button)) return 'mismatched';
  return 'approved';
}
