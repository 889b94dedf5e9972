import type { Channel } from '../event-catalogue.ts';

/** What a template produces for one channel: exactly what the provider client needs, nothing more. */
export type RenderedMessage =
  | {
      channel: 'whatsapp';
      /** The approved template's name at the provider, e.g. `appointment_confirmed`. */
      templateName: string;
      /** WhatsApp's language code, e.g. `en`, `hi`. */
      languageCode: string;
      /** Body parameters in the template's order. */
      bodyParameters: string[];
      /** The message as the patient reads it, for the dashboard and auditors. */
      previewText: string;
    }
  | { channel: 'email'; subject: string; html: string; text: string }
  | { channel: 'sms'; text: string; segments: number; dltTemplateId?: string }
  | { channel: 'push'; title: string; body: string; data: Record<string, string> }
  | { channel: 'in_app'; title: string; body: string };

export type RenderedFor<C extends Channel> = Extract<RenderedMessage, { channel: C }>;
