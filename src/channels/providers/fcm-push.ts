import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from '../channel-port.ts';
import { FCM_PROVIDER, mapFcmError } from './fcm-error-map.ts';
import { createGoogleAccessTokenSource, type ServiceAccountKey } from './google-access-token.ts';
import { parseJson } from './parse-json.ts';
import { createProviderHttpClient } from './provider-http-client.ts';
import { excerpt, permanent, unanswered, wrongChannel } from './send-failure.ts';

export interface FcmPushOptions {
  serviceAccount: ServiceAccountKey;
  /** Default: the service account's `project_id`. */
  projectId?: string;
  /** Default `https://fcm.googleapis.com`. */
  baseUrl?: string;
  /** Default `https://oauth2.googleapis.com/token`. */
  tokenUrl?: string;
  connections?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

export const DEFAULT_FCM_BASE_URL = 'https://fcm.googleapis.com';
export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';

const MessageSent = z.object({ name: z.string().min(1) });

/** Push through FCM HTTP v1 messages:send with a service account's OAuth2 token. */
export function createFcmPushTransport(options: FcmPushOptions): ChannelTransport {
  const projectId = options.projectId ?? options.serviceAccount.project_id;
  if (!projectId) throw new Error('FCM needs a project id: set projectId or use a key file with project_id');
  const clock = options.clock ?? { now: () => new Date() };
  const http = createProviderHttpClient({ ...options, baseUrl: options.baseUrl ?? DEFAULT_FCM_BASE_URL });
  const tokens = createGoogleAccessTokenSource({ ...options, scope: FCM_SCOPE, provider: FCM_PROVIDER, clock });
  const path = `/v1/projects/${encodeURIComponent(projectId)}/messages:send`;

  async function send(message: OutboundMessage, signal?: AbortSignal): Promise<SendOutcome> {
    const { rendered } = message;
    if (rendered.channel !== 'push') return wrongChannel(FCM_PROVIDER, rendered.channel);
    const token = await tokens.getToken(signal);
    if (!token.ok) return logged(message, token.failure);
    const result = await http.request({
      method: 'POST',
      path,
      headers: { authorization: `Bearer ${token.token}`, 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body: JSON.stringify({
        message: { token: message.to, notification: { title: rendered.title, body: rendered.body }, data: rendered.data },
      }),
      signal,
    });
    if (!result.ok) return logged(message, unanswered(FCM_PROVIDER, result));
    const { response } = result;
    if (response.status >= 200 && response.status < 300) {
      const sent = parseJson(response.text, MessageSent);
      // A 2xx we cannot read may still be a delivered push: never retry it into a duplicate.
      if (!sent) return logged(message, permanent(FCM_PROVIDER, 'unrecognised-response', excerpt(response.text)));
      return { kind: 'sent', provider: FCM_PROVIDER, providerMessageId: sent.name };
    }
    const { failure, tokenRejected } = mapFcmError(response, clock.now());
    if (tokenRejected) tokens.invalidate();
    return logged(message, failure);
  }

  function logged(message: OutboundMessage, outcome: SendOutcome): SendOutcome {
    if (outcome.kind === 'failed') {
      options.logger?.warn(
        { notificationId: message.notificationId, recipient: maskAddress(message.to), provider: FCM_PROVIDER, code: outcome.code, retryable: outcome.retryable },
        'push send failed',
      );
    }
    return outcome;
  }

  return {
    channel: 'push',
    provider: FCM_PROVIDER,
    send,
    close: async () => {
      await Promise.all([http.close(), tokens.close()]);
    },
  };
}
