import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, parsePosition } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gql, gqlData } from './support/graphql-client.ts';
import { confirmedAtNewCentre, publishOverGraphql } from './support/publishing.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { confirmedEnvelope } = envelopesOn(clock);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
});
afterAll(async () => service?.stop());

async function untilSettled(eventId: string, count: number) {
  return until(async () => {
    const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();
    return rows.length === count && rows.every((r) => r.status === 'sent') ? rows : null;
  }, { what: `the notifications of ${eventId} to be sent` });
}

interface Entry {
  id?: string;
  type: string;
  revision: number;
  globalPosition: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  actor?: string | null;
}

const STORY = `query Story($id: ID!) {
  notification(id: $id) {
    id stream eventId eventType channel status attempts provider providerMessageId selection
    recipient { kind id address }
    template { key version locale }
    timeline { type revision globalPosition actor data }
    inboundEvent { eventId stream via receipts duplicatesIgnored event { type occurredAt data } notifications { id channel } }
  }
}`;
const LEDGER = 'query ($s: String!) { ledger(stream: $s) { id stream type revision globalPosition data metadata recordedAt } }';

describe('an auditor', () => {
  it("reconstructs a notification's whole story from its timeline and the ledger", async () => {
    const raw = confirmedEnvelope();
    await publishOverGraphql(service, raw, ADMIN_TOKEN);
    const rows = await untilSettled(raw.eventId, 2);
    const whatsappId = rows.find((r) => r.channel === 'whatsapp')!.notification_id;

    const { notification: n } = await gqlData<{ notification: {
      stream: string; eventId: string; providerMessageId: string; selection: unknown; attempts: number;
      recipient: { address: string }; template: { key: string; version: number; locale: string };
      timeline: Entry[];
      inboundEvent: { stream: string; via: string; receipts: number; duplicatesIgnored: number; event: { type: string; data: unknown }; notifications: { id: string }[] };
    } }>(service, AUDITOR_TOKEN, STORY, { id: whatsappId });
    const { ledger: own } = await gqlData<{ ledger: Entry[] }>(service, AUDITOR_TOKEN, LEDGER, { s: n.stream });
    const { ledger: inbound } = await gqlData<{ ledger: Entry[] }>(service, AUDITOR_TOKEN, LEDGER, { s: n.inboundEvent.stream });

    // The timeline is the notification's own stream, entry for entry.
    expect(n.timeline.map((e) => e.type)).toEqual(['NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    expect(n.timeline.map(({ type, revision, globalPosition, data }) => ({ type, revision, globalPosition, data }))).toEqual(
      own.map(({ type, revision, globalPosition, data }) => ({ type, revision, globalPosition, data })),
    );
    // Which inbound event, received how, with what payload and from whom.
    expect(n.inboundEvent).toMatchObject({ via: 'graphql', receipts: 1, duplicatesIgnored: 0, event: { type: 'appointment.confirmed', data: raw.data } });
    expect(inbound.map((e) => [e.type, e.metadata?.actor])).toEqual([['InboundEventReceived', 'alice-admin']]);
    expect(own[0]!.metadata).toMatchObject({ correlationId: raw.eventId, causationId: inbound[0]!.id });
    // Which catalogue entry, template version, address and provider response.
    const planned = n.timeline[0]!.data;
    expect(planned).toMatchObject({ eventId: raw.eventId, selection: n.selection, template: n.template, recipient: { address: n.recipient.address } });
    expect(n.selection).toEqual({ kind: 'catalogue', eventType: 'appointment.confirmed' });
    expect(n.timeline[2]!.data).toMatchObject({ providerMessageId: n.providerMessageId, attempt: n.attempts });
    expect(n.timeline[1]!.actor).toMatch(/^dispatcher-/);
    // In the order it happened.
    const positions = [inbound[0]!, ...own].map((e) => parsePosition(e.globalPosition)!);
    for (let i = 1; i < positions.length; i++) expect(comparePositions(positions[i - 1]!, positions[i]!)).toBeLessThan(0);
    expect(n.inboundEvent.notifications.map((x) => x.id).sort()).toEqual(rows.map((r) => r.notification_id).sort());
  });

  it('pages through the ledger of a stream by revision', async () => {
    const raw = confirmedEnvelope();
    await publishOverGraphql(service, raw);
    const [row] = await untilSettled(raw.eventId, 2);
    const page = (fromRevision: number) =>
      gqlData<{ ledger: Entry[] }>(service, AUDITOR_TOKEN, 'query ($s: String!, $f: Int) { ledger(stream: $s, fromRevision: $f, limit: 2) { type revision } }', {
        s: `notification-${row!.notification_id}`, f: fromRevision,
      });
    expect((await page(0)).ledger).toEqual([{ type: 'NotificationPlanned', revision: 0 }, { type: 'AttemptStarted', revision: 1 }]);
    expect((await page(2)).ledger).toEqual([{ type: 'NotificationSent', revision: 2 }]);
  });
});

describe('notifications', () => {
  const PAGE = `query ($filter: NotificationFilter, $after: String) {
    notifications(filter: $filter, first: 4, after: $after) { edges { cursor node { id createdAt channel bookingReference } } pageInfo { hasNextPage endCursor } }
  }`;
  interface Page { notifications: { edges: { node: { id: string; createdAt: string; channel: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } }

  it('come newest first, a page at a time, with filters', async () => {
    const { centreId } = confirmedAtNewCentre(clock);
    const eventIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { raw } = confirmedAtNewCentre(clock);
      (raw.data as { centre: { id: string } }).centre.id = centreId;
      (raw.data as { appointment: { bookingReference: string } }).appointment.bookingReference = `BK-${i}-${randomUUID()}`;
      await publishOverGraphql(service, raw);
      await untilSettled(raw.eventId, 2);
      eventIds.push(raw.eventId);
    }
    const first = await gqlData<Page>(service, DASHBOARD_TOKEN, PAGE, { filter: { centreId } });
    expect(first.notifications.edges).toHaveLength(4);
    expect(first.notifications.pageInfo.hasNextPage).toBe(true);
    const second = await gqlData<Page>(service, DASHBOARD_TOKEN, PAGE, { filter: { centreId }, after: first.notifications.pageInfo.endCursor });
    expect(second.notifications.edges).toHaveLength(2);
    expect(second.notifications.pageInfo.hasNextPage).toBe(false);
    const all = [...first.notifications.edges, ...second.notifications.edges].map((e) => e.node);
    expect(new Set(all.map((n) => n.id)).size).toBe(6);
    const times = all.map((n) => n.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const emails = await gqlData<Page>(service, DASHBOARD_TOKEN, PAGE, { filter: { centreId, channel: 'email', status: 'sent' } });
    expect(emails.notifications.edges.map((e) => e.node.channel)).toEqual(['email', 'email', 'email']);
    const booking = (await service.db.selectFrom('notifications').select('booking_reference').where('event_id', '=', eventIds[1]!).executeTakeFirstOrThrow()).booking_reference;
    const byBooking = await gqlData<Page>(service, DASHBOARD_TOKEN, PAGE, { filter: { bookingReference: booking } });
    expect(byBooking.notifications.edges).toHaveLength(2);
  });

  it('refuse a page larger than 200 and a cursor they did not make', async () => {
    const tooLarge = await gql(service, DASHBOARD_TOKEN, '{ notifications(first: 201) { edges { cursor } } }');
    expect(tooLarge.errors.map((e) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', 'first must be between 1 and 200']]);
    const forged = await gql(service, DASHBOARD_TOKEN, '{ notifications(after: "not-a-cursor") { edges { cursor } } }');
    expect(forged.errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('deliveryStats', () => {
  it('counts the notifications created in a range by channel and status', async () => {
    const from = new Date();
    const raw = confirmedEnvelope();
    await publishOverGraphql(service, raw);
    await untilSettled(raw.eventId, 2);
    const to = new Date(Date.now() + 1000);
    const stats = await gqlData<{ deliveryStats: { channel: string; status: string; count: number }[] }>(
      service, DASHBOARD_TOKEN, 'query ($from: DateTime, $to: DateTime) { deliveryStats(from: $from, to: $to) { channel status count } }',
      { from: from.toISOString(), to: to.toISOString() },
    );
    expect(stats.deliveryStats).toEqual([
      { channel: 'email', status: 'sent', count: 1 },
      { channel: 'whatsapp', status: 'sent', count: 1 },
    ]);
  });
});
