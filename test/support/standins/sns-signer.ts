import { execFileSync } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SnsSigningIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

/** A throwaway RSA key and self-signed X.509 certificate, standing in for SNS's signing certificate. */
export function makeSnsSigningIdentity(): SnsSigningIdentity {
  const dir = mkdtempSync(join(tmpdir(), 'sns-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=sns.amazonaws.com',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    return { certificatePem: readFileSync(join(dir, 'cert.pem'), 'utf8'), privateKeyPem: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SnsFields = Record<string, string>;

/**
 * Signs an SNS message the way SNS does (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html),
 * written independently of the code under test: fixed key order, Subject only when present.
 */
export function signSnsMessage(fields: SnsFields, identity: SnsSigningIdentity, version: '1' | '2' = '1'): SnsFields {
  const keys = fields.Type === 'Notification'
    ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = keys.filter((key) => fields[key] !== undefined).map((key) => `${key}\n${fields[key]}\n`).join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256').update(text, 'utf8').sign(identity.privateKeyPem, 'base64');
  return { ...fields, SignatureVersion: version, Signature: signature };
}

export const TEST_TOPIC_ARN = 'arn:aws:sns:ap-south-1:123456789012:ses-clinic-events';
export const TEST_CERT_URL = 'https://sns.ap-south-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem';

/** An SNS Notification carrying `message` (an SES event), unsigned. */
export function snsNotification(message: object, overrides: SnsFields = {}): SnsFields {
  const messageId = overrides.MessageId ?? randomUUID();
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: TEST_TOPIC_ARN,
    Message: JSON.stringify(message),
    Timestamp: '2026-11-24T09:01:05.123Z',
    SigningCertURL: TEST_CERT_URL,
    UnsubscribeURL: `https://sns.ap-south-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TEST_TOPIC_ARN}:0bf8c4a6`,
    ...overrides,
  };
}

export function snsSubscriptionConfirmation(overrides: SnsFields = {}): SnsFields {
  const token = '2336412f37fb687f5d51e6e2425dacbba8ee0f4f5a1ae5e8ffbe8f4b2e1c0a6d';
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: randomUUID(),
    Token: token,
    TopicArn: TEST_TOPIC_ARN,
    Message: `You have chosen to subscribe to the topic ${TEST_TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://sns.ap-south-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TEST_TOPIC_ARN}&Token=${token}`,
    Timestamp: '2026-11-24T08:59:00.000Z',
    SigningCertURL: TEST_CERT_URL,
    ...overrides,
  };
}
