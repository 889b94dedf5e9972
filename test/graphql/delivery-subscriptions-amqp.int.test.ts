import { afterAll, beforeAll, expect, it } from 'vitest';
import { AmqpPublisher } from '../../src/intake/amqp-publisher.ts';
import { deleteAmqpNames, uniqueAmqpNames } from '../support/amqp-names.ts';
import { realClock } from '../support/clock.ts';
import { TEST_AMQP_URL } from '../support/env.ts';
import { DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { subscribeOverSse, subscribeOverWebSocket, untilSubscribed, type LiveSubscription } from './support/graphql-client.ts';
import { confirmedAtNewCentre } from './support/publishing.ts';

// The whole way a dashboard sees a message go: published over AMQP to one instance, planned and sent
// there, reported delivered (and read) through the provider-report path, and heard live on another
// instance sharing the database, over WebSocket and server-sent events alike.

const names = uniqueAmqpNames('live');
let first: TestService;
let second: TestService;
let publisher: AmqpPublisher;

beforeAll(async () => {
  // Sandbox receipts report each sandbox message delivered (WhatsApp also read) through the webhook path.
  first = await startTestService({ env: { AMQP_URL: TEST_AMQP_URL, SANDBOX_RECEIPTS: 'true', ...names }, dispatcher: { pollIntervalMs: 20 } });
  second = await startTestService({ database: first.database, dispatch: false });
  publisher = await AmqpPublisher.open({ url: TEST_AMQP_URL, exchange: names.AMQP_EXCHANGE!, connectionName: 'live-over-amqp:publisher' });
}, 60_000);
afterAll(async () => {
  await publisher?.close();
  await second?.stop();
  await first?.stop();
  await deleteAmqpNames(names);
});

const LIVE = `subscription Live($filter: DeliveryUpdatedFilter) {
  deliveryUpdated(filter: $filter) { status notification { channel eventId } }
}`;

interface Update {
  deliveryUpdated: { status: string; notification: { channel: string; eventId: string } };
}

const stepsByChannel = (received: readonly Update[]) => {
  const steps: Record<string, string[]> = {};
  for (const { deliveryUpdated: u } of received) (steps[u.notification.channel] ??= []).push(u.status);
  return steps;
};

const EVERY_STEP = { whatsapp: ['planned', 'sending', 'sent', 'delivered', 'read'], email: ['planned', 'sending', 'sent', 'delivered'] };

async function untilHeardEveryStep(subscription: LiveSubscription<Update>, where: string) {
  await until(() => {
    const steps = stepsByChannel(subscription.received);
    return steps.whatsapp?.includes('read') && steps.email?.includes('delivered');
  }, { what: `${where} to hear WhatsApp read and email delivered`, timeoutMs: 20_000 }).catch((error: unknown) => {
    throw new Error(`${String(error)}; heard ${JSON.stringify(stepsByChannel(subscription.received))}, errors ${JSON.stringify(subscription.errors)}`);
  });
  expect(subscription.errors).toEqual([]);
  return stepsByChannel(subscription.received);
}

it('a dashboard hears planned, sending, sent, delivered and read for an event published over AMQP, on this instance and another', async () => {
  const { raw, centreId } = confirmedAtNewCentre(realClock);
  const here = subscribeOverWebSocket<Update>(first, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
  const elsewhere = subscribeOverWebSocket<Update>(second, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
  const elsewhereOverSse = subscribeOverSse<Update>(second, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
  try {
    await untilSubscribed(first, 1);
    await untilSubscribed(second, 2);
    expect(await publisher.publishEnvelopes([raw])).toMatchObject({ confirmed: 1, unroutable: 0 });

    expect(await untilHeardEveryStep(here, 'the instance that consumed it')).toEqual(EVERY_STEP);
    expect(await untilHeardEveryStep(elsewhere, 'the other instance over WebSocket')).toEqual(EVERY_STEP);
    expect(await untilHeardEveryStep(elsewhereOverSse, 'the other instance over server-sent events')).toEqual(EVERY_STEP);
    for (const s of [here, elsewhere, elsewhereOverSse]) expect(new Set(s.received.map((u) => u.deliveryUpdated.notification.eventId))).toEqual(new Set([raw.eventId]));
  } finally {
    await here.close();
    await elsewhere.close();
    await elsewhereOverSse.close();
  }
}, 60_000);
