import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Clock } from '../../domain/clock.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from '../channel-port.ts';
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './provider-http-client.ts';
import { mapSesError, SES_PROVIDER } from './ses-error-map.ts';
import { permanent, wrongChannel } from './send-failure.ts';

export interface SesEmailOptions {
  region: string;
  /** Only for a non-AWS endpoint (aws-ses-v2-local in tests). */
  endpoint?: string;
  /** Without them the SDK's default chain applies (environment, instance role, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A verified identity, e.g. `"Sunrise Clinic" <appointments@clinic.example>`. */
  fromEmailAddress: string;
  /** Its event destination publishes Delivery, Bounce and Complaint to SNS for the webhook. */
  configurationSetName?: string;
  replyToAddresses?: string[];
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** How long a daily-quota error pauses the channel; default one hour. */
  quotaPauseMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/** The email tag that carries our notification id back on every SES event. */
export const NOTIFICATION_ID_TAG = 'notification_id';

// SES tag values accept only ASCII letters, digits, '_' and '-'.
const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

/** Email through SES v2 SendEmail with Simple content. */
export function createSesEmailTransport(options: SesEmailOptions): ChannelTransport {
  const client = new SESv2Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // SES does not dedupe sends: the SDK's own retries would turn one recorded attempt into several
    // emails. Retrying is the dispatcher's job, where each attempt is in the ledger.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      // Without it the SDK only warns when the timeout passes and keeps waiting.
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new HttpsAgent({ keepAlive: true }),
    },
  });
  const clock = options.clock ?? { now: () => new Date() };
  const quotaPauseMs = options.quotaPauseMs ?? 3_600_000;

  async function send(message: OutboundMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const { rendered } = message;
    if (rendered.channel !== 'email') return wrongChannel(SES_PROVIDER, rendered.channel);
    if (!TAG_VALUE.test(message.notificationId)) {
      return permanent(SES_PROVIDER, 'invalid-tag-value', 'the notification id cannot be an SES tag value');
    }
    const command = new SendEmailCommand({
      FromEmailAddress: options.fromEmailAddress,
      Destination: { ToAddresses: [message.to] },
      ...(options.replyToAddresses?.length ? { ReplyToAddresses: options.replyToAddresses } : {}),
      Content: {
        Simple: {
          Subject: { Data: rendered.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: rendered.html, Charset: 'UTF-8' }, Text: { Data: rendered.text, Charset: 'UTF-8' } },
        },
      },
      EmailTags: [{ Name: NOTIFICATION_ID_TAG, Value: message.notificationId }],
      ...(options.configurationSetName === undefined ? {} : { ConfigurationSetName: options.configurationSetName }),
    });
    try {
      const answer = await client.send(command, signal ? { abortSignal: signal } : {});
      if (!answer.MessageId) return permanent(SES_PROVIDER, 'unrecognised-response', 'SendEmail answered without a MessageId');
      return { kind: 'sent', provider: SES_PROVIDER, providerMessageId: answer.MessageId };
    } catch (error) {
      const outcome = signal?.aborted
        ? { ...mapSesError(error, clock.now(), quotaPauseMs), code: 'aborted', retryable: true }
        : mapSesError(error, clock.now(), quotaPauseMs);
      options.logger?.warn(
        { notificationId: message.notificationId, recipient: maskAddress(message.to), provider: SES_PROVIDER, code: outcome.code, retryable: outcome.retryable },
        'email send failed',
      );
      return outcome;
    }
  }

  return {
    channel: 'email',
    provider: SES_PROVIDER,
    send,
    close: async () => client.destroy(),
  };
}
