import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gql, gqlData, subscribeOverWebSocket } from './support/graphql-client.ts';
import { PUBLISH_EVENT } from './support/publishing.ts';
import { ledgerHead, settledHead } from './support/settle.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { confirmedEnvelope, validEnvelope } = envelopesOn(clock);
let service: TestService;
const raw = confirmedEnvelope();
let notificationId: string;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
  await recordAndProject(service, raw);
  const rows = await until(async () => {
    const found = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
    return found.length === 2 && found.every((r) => r.status === 'sent') ? found : null;
  }, { what: 'both notifications sent' });
  notificationId = rows.find((r) => r.channel === 'whatsapp')!.notification_id;
});
afterAll(async () => service?.stop());

const TOKENS = { admin: ADMIN_TOKEN, auditor: AUDITOR_TOKEN, dashboard: DASHBOARD_TOKEN, ingest: INGEST_TOKEN } as const;
type Role = keyof typeof TOKENS;
const OPERATIONS: Record<string, { query: string; variables?: () => Record<string, unknown>; mutation?: boolean }> = {
  notification: { query: 'query ($id: ID!) { notification(id: $id) { id } }', variables: () => ({ id: notificationId }) },
  notifications: { query: '{ notifications(first: 5) { edges { node { id } } } }' },
  'notifications by recipient': { query: '{ notifications(filter: { recipient: "pat-1" }) { edges { node { id } } } }' },
  inboundEvent: { query: 'query ($e: String!) { inboundEvent(eventId: $e) { eventId } }', variables: () => ({ e: raw.eventId }) },
  ledger: { query: 'query ($s: String!) { ledger(stream: $s) { type } }', variables: () => ({ s: `inbound-${raw.eventId}` }) },
  deliveryStats: { query: '{ deliveryStats { channel status count } }' },
  publishEvent: { query: PUBLISH_EVENT, variables: () => ({ input: validEnvelope('appointment.completed') }), mutation: true },
  setChannelPreference: { query: 'mutation { setChannelPreference(patientId: "pat-auth", channel: sms, optedIn: false) { __typename } }', mutation: true },
  retryNotification: { query: 'mutation ($id: ID!) { retryNotification(id: $id) { __typename } }', variables: () => ({ id: notificationId }), mutation: true },
  resumeChannel: { query: 'mutation { resumeChannel(channel: push) { __typename } }', mutation: true },
};

const MAY: Record<Role, string[]> = {
  admin: Object.keys(OPERATIONS),
  auditor: ['notification', 'notifications', 'notifications by recipient', 'inboundEvent', 'ledger', 'deliveryStats'],
  dashboard: ['notification', 'notifications', 'inboundEvent', 'deliveryStats'],
  ingest: ['publishEvent'],
};

const CASES = (Object.keys(TOKENS) as Role[]).flatMap((role) =>
  Object.keys(OPERATIONS).map((operation) => [role, MAY[role].includes(operation) ? 'may' : 'may not', operation] as const),
);

describe('what each role may do', () => {
  it.each(CASES)('%s %s run %s', async (role, verdict, operation) => {
    const { query, variables, mutation } = OPERATIONS[operation]!;
    const before = mutation && verdict === 'may not' ? await settledHead(service) : null;
    const result = await gql<Record<string, unknown>>(service, TOKENS[role], query, variables?.() ?? {});
    expect(result.status).toBe(200);
    if (verdict === 'may') {
      expect(result.errors).toEqual([]);
      expect(Object.values(result.data ?? {})[0]).not.toBeNull();
      return;
    }
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(Object.values(result.data ?? {}).every((value) => value === null)).toBe(true);
    if (mutation) expect(await ledgerHead(service)).toBe(before);
  });
});

describe('callers without a valid token', () => {
  it.each([
    ['no token', null],
    ['an unknown token', 'not-a-token-of-this-service-0000'],
  ])('are refused with 401 when they send %s', async (_what, token) => {
    const result = await gql(service, token, '{ deliveryStats { count } }');
    expect(result.status).toBe(401);
    expect(result.errors[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('are refused with 401 when they subscribe over server-sent events', async () => {
    const response = await fetch(new URL('/graphql', service.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { deliveryUpdated { status } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('have their WebSocket closed as forbidden', async () => {
    const url = new URL('/graphql', service.url);
    url.protocol = 'ws:';
    const client = createClient({ url: url.href, webSocketImpl: WebSocket, connectionParams: { authorization: 'Bearer wrong-token-0000000000' }, retryAttempts: 0 });
    const closed = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: 'subscription { deliveryUpdated { status } }' }, { next: () => undefined, error: resolve, complete: () => resolve(null) });
    });
    expect((closed as { code?: number }).code).toBe(4403);
    await client.dispose();
  });
});

describe('subscriptions', () => {
  it('refuse an ingest token', async () => {
    const subscription = subscribeOverWebSocket(service, INGEST_TOKEN, 'subscription { deliveryUpdated { status } }');
    try {
      await until(() => subscription.errors.length > 0, { what: 'the subscription to be refused' });
      expect(JSON.stringify(subscription.errors)).toContain('FORBIDDEN');
    } finally {
      await subscription.close();
    }
  });
});

describe('contacts, field by field', () => {
  const RECIPIENT = 'query ($id: ID!) { notification(id: $id) { recipient { kind id address } } }';

  it.each([
    ['admin', '+919876543210'],
    ['auditor', '+919876543210'],
    ['dashboard', '+91******3210'],
  ] as const)('a notification recipient address is %s: %s', async (role, address) => {
    const data = await gqlData<{ notification: { recipient: { address: string; id: string } } }>(service, TOKENS[role], RECIPIENT, { id: notificationId });
    expect(data.notification.recipient).toEqual({ kind: 'patient', id: 'pat-1', address });
  });

  const TIMELINE = 'query ($id: ID!) { notification(id: $id) { timeline { type data } } }';
  const RECEIVED = 'query ($e: String!) { inboundEvent(eventId: $e) { event { type data } notifications { recipient { address } } } }';

  it('an auditor reads the timeline and the event as received with contacts in full', async () => {
    const timeline = await gqlData<{ notification: { timeline: { data: unknown }[] } }>(service, AUDITOR_TOKEN, TIMELINE, { id: notificationId });
    expect(JSON.stringify(timeline)).toContain('+919876543210');
    const received = await gqlData<{ inboundEvent: unknown }>(service, AUDITOR_TOKEN, RECEIVED, { e: raw.eventId });
    expect(JSON.stringify(received)).toContain('asha@example.com');
    expect(JSON.stringify(received)).toContain('+919876543210');
  });

  it('a dashboard reads the same timeline and event with every contact masked', async () => {
    const timeline = await gqlData<{ notification: { timeline: { type: string; data: { recipient?: { address: string } } }[] } }>(
      service, DASHBOARD_TOKEN, TIMELINE, { id: notificationId },
    );
    expect(timeline.notification.timeline.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    expect(timeline.notification.timeline[0]!.data.recipient?.address).toBe('+91******3210');
    const received = await gqlData<{ inboundEvent: { event: { data: { patient: { phone: string; email: string; name: string } } } } }>(
      service, DASHBOARD_TOKEN, RECEIVED, { e: raw.eventId },
    );
    expect(received.inboundEvent.event.data.patient).toMatchObject({ phone: '+91******3210', email: 'a***@example.com', name: 'Asha Verma' });
    for (const text of [JSON.stringify(timeline), JSON.stringify(received)]) {
      expect(text).not.toContain('9876543210');
      expect(text).not.toContain('asha@example.com');
    }
  });

  it('a dashboard may not search notifications by recipient, even by id', async () => {
    const result = await gql(service, DASHBOARD_TOKEN, '{ notifications(filter: { recipient: "+919876543210" }) { edges { node { id } } } }');
    expect(result.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});
