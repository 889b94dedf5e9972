import { Webhook } from 'standardwebhooks';
import { headerOf, startStandin, type RecordedRequest, type StandinAnswer, type StandinServer } from './standin-server.ts';

/** One delivery as a clinic's receiver got it, and whether it verified. */
export interface ReceivedWebhook {
  path: string;
  webhookId: string;
  /** `webhook-timestamp`, Unix seconds. */
  timestamp: number;
  signature: string;
  /** The raw body, the bytes the signature covers. */
  body: Buffer;
  /** The three headers, as `Webhook.verify` takes them. */
  headers: Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;
  contentType: string | undefined;
  /** The machine's clock when it arrived. */
  receivedAtMs: number;
  /** Whether one of the path's secrets verified it with the standardwebhooks package. */
  verified: boolean;
}

export interface WebhookReceiver {
  readonly server: StandinServer;
  /** The URL of one endpoint of this receiver; each endpoint of a test has its own path. */
  url(path: string): string;
  /** The secrets the receiver at `path` verifies with (as a clinic holds them during a rotation). */
  trust(path: string, ...secrets: string[]): void;
  /** What `path` answers to each delivery that verified, in turn; after the list, 200. */
  answer(path: string, ...answers: StandinAnswer[]): void;
  received(path: string): ReceivedWebhook[];
  close(): Promise<void>;
}

/**
 * A clinic system's webhook receiver on 127.0.0.1, as its integrators would write it with the
 * `standardwebhooks` package: every delivery is verified (signature and timestamp tolerance) over the
 * raw body before anything else, and one that does not verify gets 401.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const secrets = new Map<string, string[]>();
  const scripts = new Map<string, StandinAnswer[]>();
  const received: ReceivedWebhook[] = [];
  const server = await startStandin((request) => {
    const delivery = toReceived(request, secrets.get(request.path) ?? []);
    received.push(delivery);
    if (!delivery.verified) return { status: 401, body: 'signature does not verify' };
    return scripts.get(request.path)?.shift() ?? { status: 200, body: 'ok' };
  });
  return {
    server,
    url: (path) => `${server.url}${path}`,
    trust: (path, ...list) => secrets.set(path, list),
    answer: (path, ...answers) => scripts.set(path, [...(scripts.get(path) ?? []), ...answers]),
    received: (path) => received.filter((r) => r.path === path),
    close: () => server.close(),
  };
}

function toReceived(request: RecordedRequest, secrets: readonly string[]): ReceivedWebhook {
  const headers = {
    'webhook-id': headerOf(request, 'webhook-id') ?? '',
    'webhook-timestamp': headerOf(request, 'webhook-timestamp') ?? '',
    'webhook-signature': headerOf(request, 'webhook-signature') ?? '',
  };
  return {
    path: request.path,
    webhookId: headers['webhook-id'],
    timestamp: Number(headers['webhook-timestamp']),
    signature: headers['webhook-signature'],
    body: request.body,
    headers,
    contentType: headerOf(request, 'content-type'),
    receivedAtMs: Date.now(),
    verified: secrets.some((secret) => verifies(secret, request.body, headers)),
  };
}

/** The standardwebhooks receiver's answer: the signature and the 5-minute tolerance against the machine's clock. */
export function verifies(secret: string, body: Buffer | string, headers: ReceivedWebhook['headers']): boolean {
  try {
    new Webhook(secret).verify(body, headers);
    return true;
  } catch {
    return false;
  }
}
