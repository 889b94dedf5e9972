import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ChannelProvidersOptions } from './channels/providers/create-transports.ts';
import { createSnsCertificateFetcher } from './channels/webhooks/sns-certificate-fetcher.ts';
import type { WebhookConfigs } from './channels/webhooks/webhook-types.ts';
import type { Channel } from './domain/event-catalogue.ts';

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
const URL_VARIABLES = ['WHATSAPP_360DIALOG_BASE_URL', 'SES_ENDPOINT', 'TWILIO_BASE_URL', 'TWILIO_STATUS_CALLBACK_URL', 'FCM_BASE_URL', 'FCM_TOKEN_URL'] as const;

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

  if (value('TWILIO_ACCOUNT_SID') && !sandboxRequested.includes('sms')) {
    need('SMS (Twilio)', ['TWILIO_AUTH_TOKEN']);
    const from = value('TWILIO_FROM');
    const service = value('TWILIO_MESSAGING_SERVICE_SID');
    if (!from === !service) problems.push('exactly one of TWILIO_FROM and TWILIO_MESSAGING_SERVICE_SID is required when SMS (Twilio) is enabled');
    providers.sms = {
      enabled: true,
      provider: 'twilio',
      options: {
        accountSid: value('TWILIO_ACCOUNT_SID')!,
        authToken: value('TWILIO_AUTH_TOKEN') ?? '',
        sender: service ? { messagingServiceSid: service } : { from: from ?? '' },
        ...opt('statusCallbackUrl', value('TWILIO_STATUS_CALLBACK_URL')),
        ...opt('baseUrl', value('TWILIO_BASE_URL')),
      },
    };
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
