import { CHANNELS, type Channel, type EventType } from '../event-catalogue.ts';

/*
 * A template is ledger data: versions on `template-<key>`, each immutable once published. Its content
 * is written in Liquid with strict variables, per channel. The key names what the template is for:
 * `<eventType>:<channel>:<locale>`, with `@<centreId>` appended for one centre's own template.
 */

export const WHATSAPP_CATEGORIES = ['UTILITY', 'MARKETING', 'AUTHENTICATION'] as const;
export type WhatsAppCategory = (typeof WHATSAPP_CATEGORIES)[number];

/** A WhatsApp template exactly as approved at Meta, and how our variables fill it. */
export interface WhatsAppContent {
  channel: 'whatsapp';
  /** The approved template's name at the provider (lower-case a-z, 0-9, `_`). */
  name: string;
  /** The language code exactly as approved (`en_US`, `hi`): Meta's list, case-sensitive, underscore. */
  language: string;
  category: WhatsAppCategory;
  /** The body as approved, with `{{1}}`..`{{n}}` in order. */
  body: string;
  /** One Liquid expression per placeholder, in order. */
  parameters: string[];
  /**
   * One dynamic URL button: `baseUrl` is the approved URL before its `{{1}}`; `parameter` (Liquid)
   * renders the whole link, and what goes out is the link with `baseUrl` removed.
   */
  button?: { baseUrl: string; parameter: string };
}

export interface EmailContent {
  channel: 'email';
  subject: string;
  /** Rendered with every output HTML-escaped. */
  html: string;
  text: string;
}

/** India's DLT categories (TRAI TCCCPR 2018): a clinic's messages are service-implicit. */
export const DLT_CATEGORIES = ['transactional', 'service-implicit', 'service-explicit', 'promotional'] as const;
export type DltCategory = (typeof DLT_CATEGORIES)[number];
/** What a DLT variable is pre-tagged to carry. */
export const DLT_VARIABLE_TYPES = ['text', 'number', 'date', 'time', 'url', 'phone', 'amount', 'reference'] as const;
export type DltVariableType = (typeof DLT_VARIABLE_TYPES)[number];

export interface SmsContent {
  channel: 'sms';
  /** Liquid: the text as it is sent. */
  text: string;
  /** The DLT registration this text matches, when it has one. */
  dlt?: {
    templateId: string;
    /** The registered text, verbatim, with `{#var#}` where values go. */
    registeredText: string;
    category: DltCategory;
    /** The type each `{#var#}` was tagged with, in order. */
    variableTypes: DltVariableType[];
  };
  /** The SMS provider's own template (MSG91's `template_id` and the names of its variables, each a Liquid expression). */
  provider?: { templateId: string; variables: Record<string, string> };
}

export interface PushContent {
  channel: 'push';
  title: string;
  body: string;
  /** FCM data values must be strings; each is Liquid. */
  data: Record<string, string>;
}

export interface InAppContent {
  channel: 'in_app';
  title: string;
  body: string;
}

export type TemplateContent = WhatsAppContent | EmailContent | SmsContent | PushContent | InAppContent;
export type ContentFor<C extends Channel> = Extract<TemplateContent, { channel: C }>;

/** What a template is for. */
export interface TemplateKey {
  eventType: EventType;
  channel: Channel;
  /** A BCP 47 language tag, `en`, `hi`, `ta`, `en-GB`. */
  locale: string;
  /** Set for one centre's own template. */
  centreId: string | null;
}

const LOCALE = /^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2}|-[0-9]{3})?$/;

/** `<eventType>:<channel>:<locale>[@<centreId>]`. */
export function formatTemplateKey(key: TemplateKey): string {
  const base = `${key.eventType}:${key.channel}:${key.locale}`;
  return key.centreId === null ? base : `${base}@${key.centreId}`;
}

/** The parts of a key, or the reason it is not one. Event types are checked by the caller, which knows the catalogue. */
export function parseTemplateKey(text: string): { ok: true; key: Omit<TemplateKey, 'eventType'> & { eventType: string } } | { ok: false; reason: string } {
  const at = text.indexOf('@');
  const base = at === -1 ? text : text.slice(0, at);
  const centreId = at === -1 ? null : text.slice(at + 1);
  if (centreId !== null && (centreId.length === 0 || centreId.length > 128)) return { ok: false, reason: 'the centre id after "@" must be 1-128 characters' };
  const parts = base.split(':');
  if (parts.length !== 3) return { ok: false, reason: 'a key is <eventType>:<channel>:<locale>, optionally @<centreId>' };
  const [eventType, channel, locale] = parts as [string, string, string];
  if (!(CHANNELS as readonly string[]).includes(channel)) return { ok: false, reason: `"${channel}" is not a channel (${CHANNELS.join(', ')})` };
  if (!LOCALE.test(locale)) return { ok: false, reason: `"${locale}" is not a BCP 47 language tag such as en, hi, ta or en-GB` };
  return { ok: true, key: { eventType, channel: channel as Channel, locale, centreId } };
}

export const isLocaleTag = (locale: string): boolean => LOCALE.test(locale);
