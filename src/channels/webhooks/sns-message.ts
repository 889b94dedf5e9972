import { createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';

/** An SNS HTTP(S) delivery body (docs.aws.amazon.com/sns/latest/dg/http-notification-json.html). */
export const SnsMessage = z.object({
  Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
  MessageId: z.string().min(1),
  TopicArn: z.string().min(1),
  Message: z.string(),
  Timestamp: z.string(),
  SignatureVersion: z.string(),
  Signature: z.string().min(1),
  SigningCertURL: z.string().min(1),
  Subject: z.string().optional(),
  SubscribeURL: z.string().optional(),
  Token: z.string().optional(),
  UnsubscribeURL: z.string().optional(),
});
export type SnsMessage = z.infer<typeof SnsMessage>;

/** The host pattern of SNS signing certificates used by AWS's own message validators. */
export const DEFAULT_SNS_CERT_HOST = /^sns\.[a-zA-Z0-9-]{3,}\.amazonaws\.com(\.cn)?$/;

/** Where a PEM certificate comes from; the default fetches over HTTPS and caches. */
export type SnsCertificateSource = (url: string) => Promise<string>;

/** Whether the certificate URL is one SNS would use: HTTPS, an allowed host, a .pem file. */
export function isTrustedCertUrl(url: string, hostPattern: RegExp): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && hostPattern.test(parsed.hostname) && parsed.pathname.endsWith('.pem') && parsed.port === '';
}

/**
 * The exact string SNS signs: `key\nvalue\n` for fixed keys in order, Subject only when present
 * (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 */
export function snsStringToSign(message: SnsMessage): string | undefined {
  const keys: (keyof SnsMessage)[] = message.Type === 'Notification'
    ? ['Message', 'MessageId', ...(message.Subject === undefined ? [] : ['Subject' as const]), 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let text = '';
  for (const key of keys) {
    const value = message[key];
    if (value === undefined) return undefined;
    text += `${key}\n${value}\n`;
  }
  return text;
}

/** Verifies SignatureVersion 1 (SHA1withRSA) or 2 (SHA256withRSA) against the certificate's key. */
export function snsSignatureValid(message: SnsMessage, certificatePem: string): boolean {
  const algorithm = message.SignatureVersion === '1' ? 'RSA-SHA1' : message.SignatureVersion === '2' ? 'RSA-SHA256' : undefined;
  const signed = snsStringToSign(message);
  if (algorithm === undefined || signed === undefined) return false;
  try {
    return verify(algorithm, Buffer.from(signed, 'utf8'), createPublicKey(certificatePem), Buffer.from(message.Signature, 'base64'));
  } catch {
    return false;
  }
}
