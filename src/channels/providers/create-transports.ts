import type { Clock } from '../../domain/clock.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport } from '../channel-port.ts';
import { DEFAULT_SMS_ROUTE, type SmsRoute } from '../../domain/notifications/sms-routes.ts';
import { createFcmPushTransport, type FcmPushOptions } from './fcm-push.ts';
import { createMsg91SmsAdapter, MSG91_PROVIDER, type Msg91SmsOptions } from './msg91-sms.ts';
import { createSesEmailTransport, type SesEmailOptions } from './ses-email.ts';
import { createSmsTransport, type SmsProviderAdapter } from './sms-provider-adapter.ts';
import { createTwilioSmsAdapter, TWILIO_PROVIDER, type TwilioSmsOptions } from './twilio-sms.ts';
import { createWhatsApp360DialogTransport, type WhatsApp360DialogOptions } from './whatsapp-360dialog.ts';

/** Shared by every provider client; each may still override them in its own options. */
type Shared = 'clock' | 'logger';

/** A channel's provider with its credentials, or `enabled: false` for the sandbox. */
export type ProviderSetting<P extends string, O> = { enabled: false } | { enabled: true; provider: P; options: Omit<O, Shared> };

/** The SMS providers we have clients for. */
export const SMS_PROVIDERS = [TWILIO_PROVIDER, MSG91_PROVIDER] as const;
export type SmsProviderName = (typeof SMS_PROVIDERS)[number];
/** Whether a provider sends India's DLT registration (MSG91 through its own template); Twilio documents no DLT parameter. */
export const smsProviderSupportsDlt = (provider: string): boolean => provider === MSG91_PROVIDER;

/** SMS over several providers, each number going where `routes` say (`SMS_ROUTES`). */
export interface SmsRoutingOptions {
  twilio?: Omit<TwilioSmsOptions, Shared>;
  msg91?: Omit<Msg91SmsOptions, Shared>;
  /** Every route names a provider configured here. */
  routes: SmsRoute[];
}

export interface ChannelProvidersOptions {
  whatsapp: ProviderSetting<'360dialog', WhatsApp360DialogOptions>;
  email: ProviderSetting<'ses', SesEmailOptions>;
  /** `routes` send some prefixes (e.g. `+91` to a DLT provider) past Twilio. */
  sms:
    | (ProviderSetting<'twilio', TwilioSmsOptions> & { routes?: { prefix: string; adapter: SmsProviderAdapter }[] })
    | { enabled: true; provider: 'routes'; options: SmsRoutingOptions };
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
  if (sms.enabled && sms.provider === 'routes') {
    transports.sms = createRoutedSmsTransport(sms.options, shared);
  } else if (sms.enabled) {
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

/** One adapter per configured provider, shared by every route to it. */
function createRoutedSmsTransport(options: SmsRoutingOptions, shared: { clock?: Clock; logger?: Logger }): ChannelTransport {
  const adapters = new Map<string, SmsProviderAdapter>();
  if (options.twilio) adapters.set(TWILIO_PROVIDER, createTwilioSmsAdapter({ ...shared, ...options.twilio }));
  if (options.msg91) adapters.set(MSG91_PROVIDER, createMsg91SmsAdapter({ ...shared, ...options.msg91 }));
  const adapterOf = (route: SmsRoute): SmsProviderAdapter => {
    const adapter = adapters.get(route.provider);
    // The configuration refuses such a route before anything starts.
    if (!adapter) throw new Error(`SMS route ${route.prefix} names ${route.provider}, which is not configured`);
    return adapter;
  };
  const fallback = options.routes.find((route) => route.prefix === DEFAULT_SMS_ROUTE);
  return createSmsTransport({
    ...(fallback ? { defaultAdapter: adapterOf(fallback) } : {}),
    routes: options.routes.filter((route) => route.prefix !== DEFAULT_SMS_ROUTE).map((route) => ({ prefix: route.prefix, adapter: adapterOf(route) })),
  });
}
