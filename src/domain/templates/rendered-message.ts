import type { Channel } from '../event-catalogue.ts';

/** What a template produces for one channel: exactly what the provider client needs, nothing more. */
export type RenderedMessage =
  | {
      channel: 'whatsapp';
      /** The approved template's name at the provider, e.g. `appointment_confirmed`. */
      templateName: string;
      /** The language code exactly as approved, e.g. `en_US`, `hi`. */
      languageCode: string;
      /** Body parameters in the template's order. */
      bodyParameters: string[];
      /** The dynamic URL button's parameter: the link with the approved base URL removed. */
      buttonParameter?: string;
      /** The message as the patient reads it, for the dashboard and auditors. */
      previewText: string;
    }
  | {
      channel: 'whatsapp';
      /** Free-form words, allowed only inside the patient's 24-hour window: the front desk's reply. */
      text: string;
      /** The same words, for the dashboard and auditors. */
      previewText: string;
    }
  | { channel: 'email'; subject: string; html: string; text: string }
  | {
      channel: 'sms';
      text: string;
      segments: number;
      /** The DLT registration the text matches, and its category. */
      dltTemplateId?: string;
      dltCategory?: string;
      /** The provider's own template and its named variables, rendered (MSG91's flow API). */
      providerTemplate?: { templateId: string; variables: Record<string, string> };
    }
  | { channel: 'push'; title: string; body: string; data: Record<string, string> }
  | { channel: 'in_app'; title: string; body: string };

export type RenderedFor<C extends Channel> = Extract<RenderedMessage, { channel: C }>;

/** A WhatsApp message made from an approved template (every one but a front-desk reply). */
export type WhatsAppTemplateMessage = Extract<RenderedMessage, { channel: 'whatsapp'; templateName: string }>;
/** A free-form WhatsApp text, inside the window. */
export type WhatsAppTextMessage = Exclude<RenderedFor<'whatsapp'>, WhatsAppTemplateMessage>;

export const isWhatsAppTemplate = (message: RenderedMessage): message is WhatsAppTemplateMessage =>
  message.channel === 'whatsapp' && 'templateName' in message;
