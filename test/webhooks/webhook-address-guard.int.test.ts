import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolveHostname } from '../../src/channels/webhooks-out/ssrf-guard.ts';
import { deadLetterRecorder } from '../../src/commands/inbound/record-dead-letter.ts';
import { createWebhookEndpoint } from '../../src/commands/webhooks/webhook-endpoint-commands.ts';
import { deadLetterId } from '../../src/domain/intake/dead-letter-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { webhookMessageId } from '../../src/domain/webhooks/outbound-signature.ts';
import type { WebhookDeliveryAttempted } from '../../src/domain/webhooks/webhook-delivery-events.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

/*
 * Without WEBHOOK_ALLOW_PRIVATE, an endpoint whose name resolves to a private or loopback address is
 * refused before any attempt, however it was public when the endpoint was made (DNS rebinding).
 * Names resolve from this table only: no query leaves the machine, and no packet is sent to any of
 * these addresses (the public one is never reached either: it has changed before the first attempt).
 */
const DNS: Record<string, string[]> = {
  'his.clinic.example': ['93.184.216.34'],
  'billing.clinic.example': ['93.184.216.34'],
};
const resolve: ResolveHostname = async (hostname) => {
  const answer = DNS[hostname];
  if (!answer) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answer;
};

const clock = fixedClock(new Date());
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, templateSync: false, outboundWebhooks: { pollIntervalMs: 50, resolve } });
});
afterAll(async () => service?.stop());

async function endpointAt(url: string): Promise<string> {
  // Made through the service's own guard, while the name still resolves to a public address.
  const created = await createWebhookEndpoint({ store: service.store, clock, keys: service.keys, checkTarget: async () => null }, { url, eventKinds: ['event.dead_lettered'] }, 'alice-admin');
  if (!created.ok) throw new Error(`endpoint refused: ${JSON.stringify(created.error)}`);
  await service.whenProcessed(created.value.position);
  return created.value.endpoint.endpointId;
}

async function deadLetter(): Promise<string> {
  const body = Buffer.from(JSON.stringify({ eventId: randomUUID() }));
  const message = { body, routingKey: 'appointment.confirmed', messageId: randomUUID(), kind: 'invalid-payload', reason: 'type: required', via: 'amqp' as const };
  await deadLetterRecorder(service.store, clock)(message);
  const [recorded] = await readStreamToArray(service.store, streamName.deadLetter(deadLetterId(message, createHash('sha256').update(body).digest('hex'))));
  await service.whenProcessed(recorded!.position);
  service.webhookSender!.poke();
  return recorded!.id;
}

const firstAttempt = (messageId: string) =>
  until(async () => {
    service.webhookSender!.poke();
    const [attempt] = await readStreamToArray(service.store, streamName.webhookDelivery(messageId));
    return attempt?.data as WebhookDeliveryAttempted | undefined;
  }, { what: `an attempt at ${messageId}` });

describe('the address guard before every attempt', () => {
  it.each([
    ['10.0.0.1', 'his.clinic.example', /resolves to a private address/],
    ['127.0.0.1', 'billing.clinic.example', /resolves to a loopback address/],
  ])('refuses an endpoint whose name now resolves to %s, records the refusal and sends nothing', async (address, host, message) => {
    const endpointId = await endpointAt(`https://${host}/hooks`);
    DNS[host] = [address];
    const sourceEventId = await deadLetter();
    const messageId = webhookMessageId(endpointId, 'event.dead_lettered', sourceEventId);
    const attempt = await firstAttempt(messageId);
    expect(attempt).toMatchObject({ attempt: 1, outcome: 'refused', httpStatus: null, responseBody: null, webhookTimestamp: null, latencyMs: 0 });
    expect(attempt.error).toMatch(message);
    expect(attempt.error).not.toContain('/hooks');
    // Retried like a failure: the name may resolve elsewhere later.
    expect(attempt.nextAttemptAt).not.toBeNull();
    await until(async () => (await service.db.selectFrom('webhook_deliveries').select('last_outcome').where('message_id', '=', messageId).executeTakeFirst())?.last_outcome === 'refused', { what: 'the refusal in the read model' });
  });

  it('refuses a loopback literal and a plain-http URL without the flag', async () => {
    const literal = await endpointAt('https://127.0.0.1:9/hooks');
    // The scheme is refused before the name is resolved.
    const plain = await endpointAt('http://plain.clinic.example/hooks');
    const sourceEventId = await deadLetter();
    const [onLiteral, onPlain] = await Promise.all([
      firstAttempt(webhookMessageId(literal, 'event.dead_lettered', sourceEventId)),
      firstAttempt(webhookMessageId(plain, 'event.dead_lettered', sourceEventId)),
    ]);
    expect(onLiteral).toMatchObject({ outcome: 'refused', error: expect.stringMatching(/loopback/) });
    expect(onPlain).toMatchObject({ outcome: 'refused', error: expect.stringMatching(/must use https/) });
  });

  it('counts attempts by kind and outcome in the metrics, with no URL or host in a label', async () => {
    const metrics = await service.metrics.metrics();
    expect(metrics).toMatch(/webhook_deliveries_total\{kind="event\.dead_lettered",outcome="refused"\} [1-9]/);
    const lines = metrics.split('\n').filter((line) => line.startsWith('webhook_'));
    expect(lines.join('\n')).not.toMatch(/clinic\.example|127\.0\.0\.1|https?:/);
  });
});
