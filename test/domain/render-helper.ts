import type { Channel, EventType } from '../../src/domain/event-catalogue.ts';
import type { RenderedFor, WhatsAppTemplateMessage } from '../../src/domain/templates/rendered-message.ts';
import { renderTemplate } from '../../src/domain/templates/render-template.ts';
import { templateVariables } from '../../src/domain/templates/template-variables.ts';
import { FULL, contextFor } from './template-fixtures.ts';

/** What a template renders on a channel: on WhatsApp always a template message. */
type FromTemplate<C extends Channel> = C extends 'whatsapp' ? WhatsAppTemplateMessage : RenderedFor<C>;

/** Variables from a fixture payload, then the message; a template error fails the test with its message. */
export function renderFrom<C extends Channel>(type: EventType, channel: C, locale: string, payloads = FULL, extra: Record<string, string> = {}): FromTemplate<C> {
  const variables = templateVariables(type, payloads[type] as never, { locale, ...contextFor(type, payloads), ...extra });
  const result = renderTemplate({ eventType: type, channel, locale, variables });
  if (!result.ok) throw new Error(`${type} ${channel} ${locale}: ${result.error.message}`);
  return result.value as FromTemplate<C>;
}

