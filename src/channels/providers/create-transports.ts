import type { Clock } from '../../domain/clock.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport } from '../channel-port.ts';
import { createFcmPushTransport, type FcmPushOptions } from './fcm-push.ts';
import { createSesEmailTransport, type SesEmailOptions } from './ses-email.ts';
import { createSmsTransport, type SmsProviderAdapter } from './sms-provider-adapter.ts';
import { createTwilioSmsAdapter, type TwilioSmsOptions } from './twilio-sms.ts';
import { createWhatsApp360DialogTransport, type WhatsApp360DialogOptions } from './whatsapp-360dialog.ts';

/** Shared by every provider client; each may still override them in its own options. */
type Shared = 'clock' | 'logger';

/** A channel's provider with its credentials, or `enabled: false` for the sandbox. */
export type ProviderSetting<P extends string, O> = { enabled: false } | { enabled: true; provider: P; options: Omit<O, Shared> };

export interface ChannelProvidersOptions {
  whatsapp: ProviderSetting<'360dialog', WhatsApp360DialogOptions>;
  email: ProviderSetting<'ses', SesEmailOptions>;
  /** `routes` send some prefixes (e.g. `+91` to a DLT provider) past Twilio. */
  sms: ProviderSetting<'twilio', TwilioSmsOptions> & { routes?: { prefix: string; adapter: SmsProviderAdapter }[] };
  push: ProviderSetting<'fcm', FcmPushOptions>;
  clock?: Clock;
  logger?: Logger;
}

/** The channels that have an external provider; in-app messages never leave the service. */
export type ProviderChannel = Extract<Channel, 'whatsapp' | 'email' | 'sms' | 'push'>;

export interface ChannelProviders {
  /** A real provider transport for each enabled channel. */
  transports: Partial<Record<ProviderChannel, ChannelTransport>>;
  /** Channels without a provider: the caller runs them in sandbox mode and says so at start-up. */
  disabled: ProviderChannel[];
  close(): Promise<void>;
}

/** Builds the provider transport of every channel the configuration enables. */
export function createTransports(options: ChannelProvidersOptions): ChannelProviders {
  const shared = {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  };
  const transports: Partial<Record<ProviderChannel, ChannelTransport>> = {};
  const { whatsapp, email, sms, push } = options;
  if (whatsapp.enabled) transports.whatsapp = createWhatsApp360DialogTransport({ ...shared, ...whatsapp.options });
  if (email.enabled) transports.email = createSesEmailTransport({ ...shared, ...email.options });
  if (sms.enabled) {
    transports.sms = createSmsTransport({
      defaultAdapter: createTwilioSmsAdapter({ ...shared, ...sms.options }),
      ...(sms.routes === undefined ? {} : { routes: sms.routes }),
    });
  }
  if (push.enabled) transports.push = createFcmPushTransport({ ...shared, ...push.options });

  const channels: ProviderChannel[] = ['whatsapp', 'email', 'sms', 'push'];
  return {
    transports,
    disabled: channels.filter((channel) => transports[channel] === undefined),
    async close() {
      await Promise.all(Object.values(transports).map((transport) => transport.close?.()));
    },
  };
}
