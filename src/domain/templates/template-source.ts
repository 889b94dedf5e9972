import type { EventType } from '../event-catalogue.ts';

/*
 * Template sources: Liquid text rendered with strict variables. Sources live in code and each one
 * carries a version: change the text, bump the version, so the ledger's (key, version) pair on a
 * NotificationPlanned always names the exact words a recipient was sent.
 */

/**
 * A WhatsApp template as approved at the provider: its body with positional placeholders {{1}}..{{n}}
 * (each appearing once, in order) and one Liquid source per placeholder, rendered into the ordered
 * body parameters. Placeholders are filled by us only for the preview; the provider fills the real one.
 */
export interface WhatsAppSource {
  version: number;
  name: string;
  body: string;
  parameters: readonly string[];
}

export interface EmailSource {
  version: number;
  subject: string;
  /** Rendered with every output HTML-escaped. */
  html: string;
  text: string;
}

export interface SmsSource {
  version: number;
  text: string;
  /** India's DLT registration id for this text, when it has one. */
  dltTemplateId?: string;
}

export interface PushSource {
  version: number;
  title: string;
  body: string;
  /** FCM data values must be strings; each is a Liquid source. */
  data: Readonly<Record<string, string>>;
}

export interface InAppSource {
  version: number;
  title: string;
  body: string;
}

export interface ChannelTemplates {
  whatsapp?: WhatsAppSource;
  email?: EmailSource;
  sms?: SmsSource;
  push?: PushSource;
  in_app?: InAppSource;
}

/** One language's templates, by event type. */
export type LocaleTemplates = Partial<Record<EventType, ChannelTemplates>>;

export const whatsapp = (version: number, name: string, body: string, parameters: readonly string[]): WhatsAppSource =>
  ({ version, name, body, parameters });

export const sms = (version: number, text: string, dltTemplateId?: string): SmsSource =>
  (dltTemplateId === undefined ? { version, text } : { version, text, dltTemplateId });

export const push = (version: number, title: string, body: string, data: Record<string, string> = {}): PushSource =>
  ({ version, title, body, data });

export const inApp = (version: number, title: string, body: string): InAppSource => ({ version, title, body });
