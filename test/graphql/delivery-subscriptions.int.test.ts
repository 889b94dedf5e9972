import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { subscribeOverSse, subscribeOverWebSocket, untilSubscribed, type LiveSubscription } from './support/graphql-client.ts';
import { confirmedAtNewCentre, publishOverGraphql, publishOverHttp } from './support/publishing.ts';

const clock = fixedClock(FIXTURE_NOW);
let first: TestService;
let second: TestService;

beforeAll(async () => {
  first = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
  // The second instance shares the database and sends nothing itself: every change it tells of was made by the first.
  second = await startTestService({ clock, database: first.database, dispatch: false });
});
afterAll(async () => {
  await second?.stop();
  await first?.stop();
});
beforeEach(async () => {
  await untilSubscribed(first, 0);
  await untilSubscribed(second, 0);
});

const LIVE = `subscription Live($filter: DeliveryUpdatedFilter) {
  deliveryUpdated(filter: $filter) {
    status
    previousStatus
    notification { id eventId channel centreId recipient { address } }
  }
}`;

interface Update {
  deliveryUpdated: {
    status: string;
    previousStatus: string | null;
    notification: { id: string; eventId: string; channel: string; centreId: string; recipient: { address: string } };
  };
}

/** Each notification's statuses in the order the subscriber heard them, keyed by channel. */
const stepsByChannel = (received: readonly Update[]) => {
  const steps: Record<string, string[]> = {};
  for (const { deliveryUpdated: u } of received) (steps[u.notification.channel] ??= []).push(u.status);
  return steps;
};

async function untilBothSent(subscription: LiveSubscription<Update>) {
  const bothSent = () => {
    const steps = stepsByChannel(subscription.received);
    return steps.whatsapp?.includes('sent') && steps.email?.includes('sent');
  };
  // Generous: ledger readers wait for every older transaction on the server, other databases' included.
  await until(bothSent, { what: 'whatsapp and email to be reported sent', timeoutMs: 30_000 }).catch((error: unknown) => {
    throw new Error(`${String(error)}; heard ${JSON.stringify(stepsByChannel(subscription.received))}, errors ${JSON.stringify(subscription.errors)}`);
  });
  expect(subscription.errors).toEqual([]);
  return stepsByChannel(subscription.received);
}

describe('a dashboard watching live deliveries', () => {
  it('sees planned, sending and sent over WebSocket for an event published through publishEvent, contacts masked', async () => {
    const { raw, centreId } = confirmedAtNewCentre(clock);
    const watching = subscribeOverWebSocket<Update>(first, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
    const elsewhere = subscribeOverWebSocket<Update>(first, DASHBOARD_TOKEN, LIVE, { filter: { centreId: 'centre-nobody' } });
    try {
      await untilSubscribed(first, 2);
      await publishOverGraphql(first, raw);
      const steps = await untilBothSent(watching);
      expect(steps).toEqual({ whatsapp: ['planned', 'sending', 'sent'], email: ['planned', 'sending', 'sent'] });
      const addresses = new Set(watching.received.map((u) => u.deliveryUpdated.notification.recipient.address));
      expect(addresses).toEqual(new Set(['+91******3210', 'a***@example.com']));
      expect(watching.received[0]!.deliveryUpdated.previousStatus).toBeNull();
      expect(watching.received.every((u) => u.deliveryUpdated.notification.eventId === raw.eventId)).toBe(true);
      expect(elsewhere.received).toEqual([]);
    } finally {
      await watching.close();
      await elsewhere.close();
    }
  });

  it('sees planned, sending and sent over server-sent events for an event published by POST /events', async () => {
    const { raw, centreId } = confirmedAtNewCentre(clock);
    const watching = subscribeOverSse<Update>(first, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
    try {
      expect(await watching.status).toBe(200);
      await untilSubscribed(first, 1);
      await publishOverHttp(first, raw);
      expect(await untilBothSent(watching)).toEqual({ whatsapp: ['planned', 'sending', 'sent'], email: ['planned', 'sending', 'sent'] });
    } finally {
      await watching.close();
    }
  });

  it('on a second instance, hears over WebSocket and SSE every step the first instance made', async () => {
    const { raw, centreId } = confirmedAtNewCentre(clock);
    const overWebSocket = subscribeOverWebSocket<Update>(second, DASHBOARD_TOKEN, LIVE, { filter: { centreId } });
    const overSse = subscribeOverSse<Update>(second, DASHBOARD_TOKEN, LIVE, { filter: { centreId, channel: 'whatsapp' } });
    try {
      await untilSubscribed(second, 2);
      await publishOverGraphql(first, raw);
      expect(await untilBothSent(overWebSocket)).toEqual({ whatsapp: ['planned', 'sending', 'sent'], email: ['planned', 'sending', 'sent'] });
      await until(() => stepsByChannel(overSse.received).whatsapp?.includes('sent'), { what: 'the SSE subscriber to hear sent' });
      expect(stepsByChannel(overSse.received)).toEqual({ whatsapp: ['planned', 'sending', 'sent'] });
      expect(second.sandboxed).toContain('whatsapp');
      expect(second.dispatcher).toBeNull();
    } finally {
      await overWebSocket.close();
      await overSse.close();
    }
  }, 60_000);

  it('hears only the status asked for', async () => {
    const { raw, centreId } = confirmedAtNewCentre(clock);
    const sentOnly = subscribeOverWebSocket<Update>(first, DASHBOARD_TOKEN, LIVE, { filter: { centreId, status: 'sent' } });
    try {
      await untilSubscribed(first, 1);
      await publishOverGraphql(first, raw);
      await until(() => sentOnly.received.length >= 2, { what: 'two sent updates' });
      expect(sentOnly.received.map((u) => [u.deliveryUpdated.notification.channel, u.deliveryUpdated.status]).sort()).toEqual([
        ['email', 'sent'],
        ['whatsapp', 'sent'],
      ]);
    } finally {
      await sentOnly.close();
    }
  });
});
