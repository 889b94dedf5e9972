import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { SMS_PROVIDERS, smsProviderSupportsDlt, type ChannelProvidersOptions, type SmsRoutingOptions } from './channels/providers/create-transports.ts';
import { createSnsCertificateFetcher } from './channels/webhooks/sns-certificate-fetcher.ts';
import type { WebhookConfigs } from './channels/webhooks/webhook-types.ts';
import type { Channel } from './domain/event-catalogue.ts';
import { parseSmsRoutes, smsRoutesWithin, type SmsRoute } from './domain/notifications/sms-routes.ts';

export type { WebhookConfigs };

/** What the environment says about providers, checked: the service builds its transports and webhooks from it. */
export interface ProviderSettings {
  /** Each channel's provider and credentials, or `enabled: false` for the sandbox. */
  channels: Omit<ChannelProvidersOptions, 'clock' | 'logger'>;
  webhooks: WebhookConfigs;
  /** Channels the operator asked to run in sandbox mode. */
  sandboxRequested: Channel[];
}

export interface ProviderConfig extends ProviderSettings {
  /** Every bad or missing variable, each naming the variable and never its value. */
  problems: string[];
}

/** Provider addresses: overridden only for stand-ins and regional endpoints, and each must be a web address. */
const URL_VARIABLES = ['WHATSAPP_360DIALOG_BASE_URL', 'SES_ENDPOINT', 'TWILIO_BASE_URL', 'TWILIO_STATUS_CALLBACK_URL', 'MSG91_BASE_URL', 'FCM_BASE_URL', 'FCM_TOKEN_URL'] as const;

/** The path secret is MSG91 reports' only credential: long enough not to be guessed, safe in a URL path. */
const MIN_WEBHOOK_SECRET_LENGTH = 24;
/** The numbers India's DLT rules bind. */
const INDIA = '+91';

type TwilioSettings = NonNullable<SmsRoutingOptions['twilio']>;
type Msg91Settings = NonNullable<SmsRoutingOptions['msg91']>;

const ServiceAccount = z.object({ client_email: z.string().min(1), private_key: z.string().min(1), project_id: z.string().optional() });

/**
 * Provider credentials from the environment. A provider is enabled by its first variable; then every
 * variable it needs must be there. With DATABASE_URL set, a channel with no provider must be put in
 * sandbox mode on purpose (CHANNELS_SANDBOX): a forgotten secret must not silently stop real sends.
 */
export function loadProviderConfig(env: Readonly<Record<string, string | undefined>>, options: { requireExplicitSandbox: boolean }): ProviderConfig {
  const problems: string[] = [];
  const value = (name: string) => (env[name] === '' ? undefined : env[name]);
  const need = (provider: string, names: string[]) => {
    for (const name of names) if (!value(name)) problems.push(`${name} is required when ${provider} is enabled`);
  };
  const sandboxList = (value('CHANNELS_SANDBOX') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const sandboxRequested: Channel[] = sandboxList.includes('all')
    ? ['whatsapp', 'email', 'sms', 'push']
    : sandboxList.filter((c): c is Channel => ['whatsapp', 'email', 'sms', 'push', 'in_app'].includes(c));
  for (const c of sandboxList) if (c !== 'all' && !['whatsapp', 'email', 'sms', 'push', 'in_app'].includes(c)) problems.push(`CHANNELS_SANDBOX names an unknown channel "${c}"`);
  // Checked here rather than when a client is built, so a typo is one more line of the start's one error.
  for (const name of URL_VARIABLES) {
    const url = value(name);
    if (url !== undefined && !isWebAddress(url)) problems.push(`${name} must be a URL such as https://provider.example`);
  }

  const providers: ProviderSettings['channels'] = { whatsapp: { enabled: false }, email: { enabled: false }, sms: { enabled: false }, push: { enabled: false } };
  const webhooks: WebhookConfigs = { whatsapp: null, ses: null, sms: null };

  if (value('WHATSAPP_360DIALOG_API_KEY') && !sandboxRequested.includes('whatsapp')) {
    need('WhatsApp (360dialog)', ['WHATSAPP_WEBHOOK_SECRET']);
    providers.whatsapp = { enabled: true, provider: '360dialog', options: { apiKey: value('WHATSAPP_360DIALOG_API_KEY')!, ...opt('baseUrl', value('WHATSAPP_360DIALOG_BASE_URL')) } };
  }
  if (value('WHATSAPP_WEBHOOK_SECRET')) {
    webhooks.whatsapp = {
      sharedSecret: value('WHATSAPP_WEBHOOK_SECRET')!,
      ...opt('secretHeaderName', value('WHATSAPP_WEBHOOK_SECRET_HEADER')),
      ...opt('hmacSecret', value('WHATSAPP_WEBHOOK_HMAC_SECRET')),
    };
  }

  if (value('SES_REGION') && !sandboxRequested.includes('email')) {
    need('Email (SES)', ['SES_FROM_ADDRESS']);
    const keyId = value('SES_ACCESS_KEY_ID');
    const secret = value('SES_SECRET_ACCESS_KEY');
    if (Boolean(keyId) !== Boolean(secret)) problems.push('SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY go together');
    providers.email = {
      enabled: true,
      provider: 'ses',
      options: {
        region: value('SES_REGION')!,
        fromEmailAddress: value('SES_FROM_ADDRESS') ?? '',
        ...opt('endpoint', value('SES_ENDPOINT')),
        ...opt('configurationSetName', value('SES_CONFIGURATION_SET')),
        ...(keyId && secret ? { credentials: { accessKeyId: keyId, secretAccessKey: secret } } : {}),
      },
    };
  }
  if (value('SES_SNS_TOPIC_ARNS')) {
    const pattern = value('SES_SNS_CERT_HOST_PATTERN');
    webhooks.ses = {
      allowedTopicArns: value('SES_SNS_TOPIC_ARNS')!.split(',').map((s) => s.trim()).filter(Boolean),
      getCertificate: createSnsCertificateFetcher(),
      ...(pattern ? { certHostPattern: safeRegExp(pattern, 'SES_SNS_CERT_HOST_PATTERN', problems) } : {}),
    };
  }

  const smsSandboxed = sandboxRequested.includes('sms');
  let twilio: TwilioSettings | undefined;
  if (value('TWILIO_ACCOUNT_SID') && !smsSandboxed) {
    need('SMS (Twilio)', ['TWILIO_AUTH_TOKEN']);
    const from = value('TWILIO_FROM');
    const service = value('TWILIO_MESSAGING_SERVICE_SID');
    if (!from === !service) problems.push('exactly one of TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID is required when SMS (Twilio) is enabled');
    twilio = {
      accountSid: value('TWILIO_ACCOUNT_SID')!,
      authToken: value('TWILIO_AUTH_TOKEN') ?? '',
      sender: service ? { messagingServiceSid: service } : { from: from ?? '' },
      ...opt('statusCallbackUrl', value('TWILIO_STATUS_CALLBACK_URL')),
      ...opt('baseUrl', value('TWILIO_BASE_URL')),
    };
  }
  let msg91: Msg91Settings | undefined;
  if (value('MSG91_AUTH_KEY') && !smsSandboxed) {
    // Its reports are how a message becomes delivered (and how a missing one triggers a fallback).
    need('SMS (MSG91)', ['MSG91_WEBHOOK_SECRET']);
    msg91 = { authKey: value('MSG91_AUTH_KEY')!, ...opt('baseUrl', value('MSG91_BASE_URL')) };
  }
  const webhookSecret = value('MSG91_WEBHOOK_SECRET');
  if (webhookSecret !== undefined) {
    if (webhookSecret.length < MIN_WEBHOOK_SECRET_LENGTH || !/^[A-Za-z0-9_-]+$/.test(webhookSecret)) {
      problems.push(`MSG91_WEBHOOK_SECRET must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters of A-Z, a-z, 0-9, _ and -: it is the only credential of MSG91's reports`);
    } else {
      webhooks.msg91 = { secret: webhookSecret };
    }
  }
  const routes = smsRoutes(value('SMS_ROUTES'), { twilio, msg91, sandboxed: smsSandboxed }, options.requireExplicitSandbox, problems);
  if (twilio && !msg91 && value('SMS_ROUTES') === undefined) {
    providers.sms = { enabled: true, provider: 'twilio', options: twilio };
  } else if ((twilio || msg91) && routes.length > 0) {
    providers.sms = { enabled: true, provider: 'routes', options: { ...(twilio ? { twilio } : {}), ...(msg91 ? { msg91 } : {}), routes } };
  }
  if (value('TWILIO_AUTH_TOKEN')) webhooks.sms = { authToken: value('TWILIO_AUTH_TOKEN')! };

  if (value('FCM_SERVICE_ACCOUNT') && !sandboxRequested.includes('push')) {
    const account = readServiceAccount(value('FCM_SERVICE_ACCOUNT')!, problems);
    // The client refuses to start without a project; say so now, with the rest.
    if (account && !value('FCM_PROJECT_ID') && !account.project_id) problems.push('FCM_PROJECT_ID is required when the FCM_SERVICE_ACCOUNT key has no project_id');
    else if (account) {
      providers.push = {
        enabled: true,
        provider: 'fcm',
        options: { serviceAccount: account, ...opt('projectId', value('FCM_PROJECT_ID')), ...opt('baseUrl', value('FCM_BASE_URL')), ...opt('tokenUrl', value('FCM_TOKEN_URL')) },
      };
    }
  }

  if (options.requireExplicitSandbox) {
    // A push key that failed its check has its own problem above; "no provider" would say it twice.
    const attempted = (c: Channel) => c === 'push' && Boolean(value('FCM_SERVICE_ACCOUNT'));
    const unconfigured = (['whatsapp', 'email', 'sms', 'push'] as const).filter((c) => !providers[c].enabled && !sandboxRequested.includes(c) && !attempted(c));
    if (unconfigured.length > 0) {
      problems.push(`no provider is configured for ${unconfigured.join(', ')}: configure one, or run ${unconfigured.length > 1 ? 'them' : 'it'} in sandbox mode on purpose with CHANNELS_SANDBOX=${unconfigured.join(',')}`);
    }
  }
  return { channels: providers, webhooks, sandboxRequested, problems };
}

/**
 * SMS_ROUTES, or the routes the configured providers imply: Twilio alone takes every number, MSG91
 * alone too, and both split at +91. A route must name a configured provider; once a database is
 * set, +91 numbers must reach a DLT provider, since operators block (and bill) the rest.
 */
function smsRoutes(
  text: string | undefined,
  configured: { twilio: TwilioSettings | undefined; msg91: Msg91Settings | undefined; sandboxed: boolean },
  requireDlt: boolean,
  problems: string[],
): SmsRoute[] {
  let routes: SmsRoute[];
  if (text === undefined) {
    if (configured.twilio && configured.msg91) routes = [{ prefix: INDIA, provider: 'msg91' }, { prefix: '*', provider: 'twilio' }];
    else if (configured.twilio) routes = [{ prefix: '*', provider: 'twilio' }];
    else if (configured.msg91) routes = [{ prefix: '*', provider: 'msg91' }];
    else routes = [];
  } else {
    const parsed = parseSmsRoutes(text, SMS_PROVIDERS);
    for (const problem of parsed.problems) problems.push(`SMS_ROUTES ${problem}`);
    routes = parsed.routes;
  }
  // A sandboxed SMS channel sends nothing, so its routes lead nowhere yet.
  if (configured.sandboxed) return routes;
  const enabling = { twilio: 'TWILIO_ACCOUNT_SID', msg91: 'MSG91_AUTH_KEY' } as const;
  for (const route of routes) {
    const provider = route.provider as keyof typeof enabling;
    if (!configured[provider]) problems.push(`SMS_ROUTES sends ${route.prefix} to ${route.provider}, which is not configured (${enabling[provider]})`);
  }
  if (requireDlt) {
    for (const route of smsRoutesWithin(routes, INDIA)) {
      if (!smsProviderSupportsDlt(route.provider)) {
        problems.push(`SMS_ROUTES sends ${INDIA} numbers (route ${route.prefix}) to ${route.provider}, which cannot send India's DLT registration: route ${INDIA} to msg91, or run SMS in sandbox mode with CHANNELS_SANDBOX=sms`);
      }
    }
  }
  return routes;
}

function opt<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function isWebAddress(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === 'http:' || protocol === 'https:';
}

function safeRegExp(pattern: string, name: string, problems: string[]): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    problems.push(`${name} is not a valid regular expression`);
    return undefined;
  }
}

/** FCM_SERVICE_ACCOUNT: the key file's JSON, or the path to it. */
function readServiceAccount(text: string, problems: string[]): z.infer<typeof ServiceAccount> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text.trim().startsWith('{') ? text : readFileSync(text, 'utf8'));
  } catch {
    problems.push('FCM_SERVICE_ACCOUNT must be a service-account key as JSON, or the path to its file');
    return null;
  }
  const parsed = ServiceAccount.safeParse(raw);
  if (!parsed.success) {
    problems.push('FCM_SERVICE_ACCOUNT lacks client_email or private_key');
    return null;
  }
  return parsed.data;
}
