import { CHANNELS, type Channel, type EventType } from '../event-catalogue.ts';
import { TEMPLATE_LOCALES, type TemplateLocale } from './template-locale.ts';
import { APPOINTMENT_BOOKING_EN } from './appointment-booking-en.ts';
import { APPOINTMENT_BOOKING_HI } from './appointment-booking-hi.ts';
import { APPOINTMENT_VISIT_EN } from './appointment-visit-en.ts';
import { APPOINTMENT_VISIT_HI } from './appointment-visit-hi.ts';
import { EMERGENCY_LEAVE_EN, EMERGENCY_LEAVE_HI } from './emergency-leave.ts';
import { STAFF_EN } from './staff-en.ts';
import type { ChannelTemplates, LocaleTemplates } from './template-source.ts';
import { WALKIN_CLINICAL_EN } from './walkin-clinical-en.ts';
import { WALKIN_CLINICAL_HI } from './walkin-clinical-hi.ts';

/** Every template, by language, event type and channel. Staff alerts exist in English only. */
export const TEMPLATES: Readonly<Record<TemplateLocale, LocaleTemplates>> = {
  en: { ...APPOINTMENT_BOOKING_EN, ...APPOINTMENT_VISIT_EN, ...WALKIN_CLINICAL_EN, ...EMERGENCY_LEAVE_EN, ...STAFF_EN },
  hi: { ...APPOINTMENT_BOOKING_HI, ...APPOINTMENT_VISIT_HI, ...WALKIN_CLINICAL_HI, ...EMERGENCY_LEAVE_HI },
};

export interface CatalogueEntry {
  key: string;
  eventType: EventType;
  channel: Channel;
  locale: TemplateLocale;
  source: NonNullable<ChannelTemplates[Channel]>;
}

/** `<eventType>:<channel>:<locale>`, e.g. `appointment.confirmed:whatsapp:hi`. */
export const templateKey = (eventType: string, channel: Channel, locale: TemplateLocale): string => `${eventType}:${channel}:${locale}`;

/** Every template with its key, for audits, fingerprints and listings. */
export function listTemplates(): CatalogueEntry[] {
  return TEMPLATE_LOCALES.flatMap((locale) =>
    (Object.entries(TEMPLATES[locale]) as [EventType, ChannelTemplates][]).flatMap(([eventType, channels]) =>
      CHANNELS.flatMap((channel) => {
        const source = channels[channel];
        return source ? [{ key: templateKey(eventType, channel, locale), eventType, channel, locale, source }] : [];
      })));
}
