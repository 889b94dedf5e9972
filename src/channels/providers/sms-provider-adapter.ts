import type { ChannelTransport, OutboundMessage, SendOutcome } from '../channel-port.ts';
import { permanent, wrongChannel } from './send-failure.ts';

/** One SMS as any provider needs it. */
export interface SmsSendRequest {
  notificationId: string;
  /** E.164. */
  to: string;
  text: string;
  segments: number;
  /**
   * India's DLT template id for this text (TRAI TCCCPR 2018): operators block commercial SMS to +91
   * numbers whose text does not match a registered template. Providers without a DLT parameter ignore it.
   */
  dltTemplateId?: string;
  /**
   * The provider's own template and its rendered, named variables (MSG91's Flow API sends these
   * instead of the text). Providers that take the text alone ignore it.
   */
  providerTemplate?: { templateId: string; variables: Record<string, string> };
}

/**
 * An SMS provider. Twilio is the first; an Indian DLT provider (Exotel, Gupshup, MSG91) implements the
 * same shape, taking its principal entity id and header from its own `DltSenderConfig`.
 */
export interface SmsProviderAdapter {
  /** Recorded in the ledger as the outcome's provider. */
  readonly provider: string;
  send(request: SmsSendRequest, signal?: AbortSignal): Promise<SendOutcome>;
  close?(): Promise<void>;
}

/** What every DLT provider needs besides the per-message template id. */
export interface DltSenderConfig {
  /** The Principal Entity ID registered with the operators' DLT platform. */
  principalEntityId: string;
  /** The registered header (sender id) tied to that entity, e.g. `SNRISE`. */
  senderHeader: string;
}

export interface SmsTransportOptions {
  /** Takes the numbers no route takes; without one, such a number fails permanently with `no-sms-route`. */
  defaultAdapter?: SmsProviderAdapter;
  /** Numbers starting with a prefix (e.g. `+91`) go to its adapter; the longest prefix wins. */
  routes?: { prefix: string; adapter: SmsProviderAdapter }[];
}

/** The SMS channel over one or more provider adapters, chosen by the recipient's number. */
export function createSmsTransport(options: SmsTransportOptions): ChannelTransport {
  const routes = [...(options.routes ?? [])].sort((a, b) => b.prefix.length - a.prefix.length);
  const adapters = new Set([...(options.defaultAdapter ? [options.defaultAdapter] : []), ...routes.map((route) => route.adapter)]);
  const first = options.defaultAdapter ?? routes[0]?.adapter;
  if (!first) throw new Error('an SMS transport needs a default adapter or a route');
  const adapterFor = (to: string): SmsProviderAdapter | undefined =>
    routes.find((route) => to.startsWith(route.prefix))?.adapter ?? options.defaultAdapter;

  return {
    channel: 'sms',
    provider: first.provider,
    send(message: OutboundMessage, signal?: AbortSignal) {
      const { rendered } = message;
      if (rendered.channel !== 'sms') return wrongChannel('sms', rendered.channel);
      const request: SmsSendRequest = {
        notificationId: message.notificationId,
        to: message.to,
        text: rendered.text,
        segments: rendered.segments,
        ...(rendered.dltTemplateId === undefined ? {} : { dltTemplateId: rendered.dltTemplateId }),
        ...(rendered.providerTemplate === undefined ? {} : { providerTemplate: rendered.providerTemplate }),
      };
      const adapter = adapterFor(message.to);
      if (!adapter) return Promise.resolve(permanent(first.provider, 'no-sms-route', 'no SMS route takes this number'));
      return adapter.send(request, signal);
    },
    async close() {
      await Promise.all([...adapters].map((adapter) => adapter.close?.()));
    },
  };
}
