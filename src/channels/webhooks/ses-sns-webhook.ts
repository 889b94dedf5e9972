import { ok } from '../../domain/result.ts';
import { addSesEvent, SesEvent } from './ses-event.ts';
import { DEFAULT_SNS_CERT_HOST, isTrustedCertUrl, SnsMessage, snsSignatureValid, type SnsCertificateSource } from './sns-message.ts';
import { emptyBatch, reject, requestHeader, type WebhookRequest, type WebhookResult } from './webhook-types.ts';

export interface SesSnsWebhookConfig {
  /** SNS topics we subscribed; anything else is refused before its certificate is fetched. */
  allowedTopicArns: readonly string[];
  /** PEM by URL; production uses `createSnsCertificateFetcher()`, tests their own certificate. */
  getCertificate: SnsCertificateSource;
  /** Hosts a SigningCertURL may name; default `sns.<region>.amazonaws.com(.cn)`. */
  certHostPattern?: RegExp;
}

/**
 * SES events delivered by SNS over HTTP(S): verified per AWS's steps (topic, certificate URL,
 * signature v1/v2), then a subscription confirmation to GET or SES Bounce/Complaint/Delivery/...
 * The report id is the SNS MessageId, which SNS keeps across its retries.
 */
export async function parseSesSnsWebhook(request: WebhookRequest, config: SesSnsWebhookConfig): Promise<WebhookResult> {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    return reject('malformed', 'body is not JSON');
  }
  const parsed = SnsMessage.safeParse(json);
  if (!parsed.success) return reject('malformed', `not an SNS message: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  const message = parsed.data;
  const typeHeader = requestHeader(request, 'x-amz-sns-message-type');
  if (typeHeader !== undefined && typeHeader !== message.Type) return reject('malformed', 'x-amz-sns-message-type disagrees with the body');

  if (!config.allowedTopicArns.includes(message.TopicArn)) return reject('unknown-topic', `topic ${message.TopicArn} is not subscribed`);
  if (!isTrustedCertUrl(message.SigningCertURL, config.certHostPattern ?? DEFAULT_SNS_CERT_HOST)) {
    return reject('bad-signature', 'SigningCertURL is not an SNS certificate URL');
  }
  let certificate: string;
  try {
    certificate = await config.getCertificate(message.SigningCertURL);
  } catch (error) {
    return reject('verification-unavailable', `signing certificate unavailable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!snsSignatureValid(message, certificate)) return reject('bad-signature', `signature (version ${message.SignatureVersion}) does not verify`);

  const batch = emptyBatch();
  switch (message.Type) {
    case 'SubscriptionConfirmation':
      if (!message.SubscribeURL) return reject('malformed', 'SubscriptionConfirmation without SubscribeURL');
      return ok({ ...batch, confirmSubscriptionUrl: message.SubscribeURL });
    case 'UnsubscribeConfirmation':
      return ok(batch);
    case 'Notification': {
      let event: unknown;
      try {
        event = JSON.parse(message.Message);
      } catch {
        return reject('malformed', 'Message is not JSON');
      }
      const ses = SesEvent.safeParse(event);
      if (!ses.success) return reject('malformed', `not an SES event: ${ses.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
      const problem = addSesEvent(batch, ses.data, message.MessageId);
      return problem === undefined ? ok(batch) : reject('malformed', problem);
    }
  }
}
