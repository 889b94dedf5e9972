import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import { isWhatsAppTemplate, type WhatsAppTemplateMessage } from '../../domain/templates/rendered-message.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from '../channel-port.ts';
import { createProviderHttpClient } from './provider-http-client.ts';
import { excerpt, permanent, unanswered, wrongChannel } from './send-failure.ts';
import { parseJson } from './parse-json.ts';
import { mapWhatsAppError, WHATSAPP_PROVIDER } from './whatsapp-error-map.ts';

export interface WhatsApp360DialogOptions {
  /** The channel's D360-API-KEY. */
  apiKey: string;
  /** Default `https://waba-v2.360dialog.io` (Cloud API). */
  baseUrl?: string;
  connections?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export const DEFAULT_360DIALOG_BASE_URL = 'https://waba-v2.360dialog.io';

const SendAccepted = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });

/** WhatsApp messages through 360dialog's Cloud API (Meta's message shape): templates, and free-form replies inside the window. */
export function createWhatsApp360DialogTransport(options: WhatsApp360DialogOptions): ChannelTransport {
  const http = createProviderHttpClient({ ...options, baseUrl: options.baseUrl ?? DEFAULT_360DIALOG_BASE_URL });
  const clock = options.clock ?? { now: () => new Date() };

  async function send(message: OutboundMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const result = await http.request({
      method: 'POST',
      path: '/messages',
      headers: { 'd360-api-key': options.apiKey, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(templateMessageBody(message)),
      signal,
    });
    if (!result.ok) return logged(message, unanswered(WHATSAPP_PROVIDER, result));
    const { response } = result;
    if (response.status >= 200 && response.status < 300) {
      const accepted = parseJson(response.text, SendAccepted);
      // A 2xx we cannot read may still be a sent message: never retry it into a duplicate.
      if (!accepted) return logged(message, permanent(WHATSAPP_PROVIDER, 'unrecognised-response', excerpt(response.text)));
      return { kind: 'sent', provider: WHATSAPP_PROVIDER, providerMessageId: accepted.messages[0]!.id };
    }
    return logged(message, mapWhatsAppError(response, clock.now()));
  }

  function logged(message: OutboundMessage, outcome: SendOutcome): SendOutcome {
    if (outcome.kind === 'failed') {
      options.logger?.warn(
        { notificationId: message.notificationId, recipient: maskAddress(message.to), provider: WHATSAPP_PROVIDER, code: outcome.code, retryable: outcome.retryable },
        'whatsapp send failed',
      );
    }
    return outcome;
  }

  return { channel: 'whatsapp', provider: WHATSAPP_PROVIDER, send, close: () => http.close() };
}

/**
 * Meta Cloud API message: a template, or a free-form text (which Meta takes only inside the
 * patient's 24-hour window, and answers 131047 outside it). The notification id comes back on every
 * status webhook.
 */
export function templateMessageBody(message: OutboundMessage): Record<string, unknown> {
  const { rendered } = message;
  if (rendered.channel !== 'whatsapp') return wrongChannel(WHATSAPP_PROVIDER, rendered.channel);
  if (!isWhatsAppTemplate(rendered)) {
    return {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: message.to.replace(/^\+/, ''),
      type: 'text',
      biz_opaque_callback_data: message.notificationId,
      text: { body: rendered.text, preview_url: false },
    };
  }
  return {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: message.to.replace(/^\+/, ''),
    type: 'template',
    biz_opaque_callback_data: message.notificationId,
    template: {
      name: rendered.templateName,
      language: { code: rendered.languageCode },
      components: templateComponents(rendered),
    },
  };
}

/** The body's parameters, then the dynamic URL button's (our templates have one URL button, the first). */
function templateComponents(rendered: WhatsAppTemplateMessage): Record<string, unknown>[] {
  const components: Record<string, unknown>[] = [];
  if (rendered.bodyParameters.length > 0) {
    components.push({ type: 'body', parameters: rendered.bodyParameters.map((text) => ({ type: 'text', text })) });
  }
  if (rendered.buttonParameter !== undefined) {
    components.push({ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: rendered.buttonParameter }] });
  }
  return components;
}
