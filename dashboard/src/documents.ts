import { z } from 'zod';

// The GraphQL operations the page runs, each beside the schema that checks its answer.

const NOTIFICATION_FIELDS = `
  id eventId eventType centreId bookingReference channel status attempts suppressionReason lastErrorCode
  createdAt updatedAt recipient { kind id address }`;

export const NotificationSummary = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  centreId: z.string().nullable(),
  bookingReference: z.string().nullable(),
  channel: z.string(),
  status: z.string(),
  attempts: z.number(),
  suppressionReason: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  recipient: z.object({ kind: z.string(), id: z.string(), address: z.string().nullable() }),
});
export type NotificationSummary = z.infer<typeof NotificationSummary>;

export interface NotificationFilter {
  eventType?: string;
  channel?: string;
  status?: string;
  centreId?: string;
}

export const LIST_NOTIFICATIONS = `query Notifications($filter: NotificationFilter, $first: Int, $after: String) {
  notifications(filter: $filter, first: $first, after: $after) {
    edges { cursor node { ${NOTIFICATION_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const ListNotificationsAnswer = z.object({
  notifications: z.object({
    edges: z.array(z.object({ cursor: z.string(), node: NotificationSummary })),
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
  }),
});

/** The cheapest read every reader role may make: it tells a good token from a bad one. */
export const WHO_CAN_READ = `query SignInCheck { notifications(first: 1) { edges { node { id } } } }`;
export const WhoCanReadAnswer = z.object({ notifications: z.object({ edges: z.array(z.unknown()) }) });

export const DELIVERY_STATS = `query DeliveryStats { deliveryStats { channel status count } }`;
export const DeliveryStat = z.object({ channel: z.string(), status: z.string(), count: z.number() });
export type DeliveryStat = z.infer<typeof DeliveryStat>;
export const DeliveryStatsAnswer = z.object({ deliveryStats: z.array(DeliveryStat) });

export const DELIVERY_UPDATED = `subscription DeliveryUpdated($filter: DeliveryUpdatedFilter) {
  deliveryUpdated(filter: $filter) { previousStatus notification { ${NOTIFICATION_FIELDS} } }
}`;
export const DeliveryUpdatedAnswer = z.object({
  deliveryUpdated: z.object({ previousStatus: z.string().nullable(), notification: NotificationSummary }),
});

export const NOTIFICATION_DETAIL = `query Notification($id: ID!) {
  notification(id: $id) {
    ${NOTIFICATION_FIELDS} appointmentId provider providerMessageId lastError possibleDuplicate dueAt selection
    template { key version locale }
    timeline { type revision globalPosition recordedAt actor data }
  }
}`;
export const TimelineEntry = z.object({
  type: z.string(),
  revision: z.number(),
  globalPosition: z.string(),
  recordedAt: z.string(),
  actor: z.string().nullable(),
  data: z.unknown(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;
export const NotificationDetail = NotificationSummary.extend({
  appointmentId: z.string().nullable(),
  provider: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  lastError: z.string().nullable(),
  possibleDuplicate: z.boolean(),
  dueAt: z.string().nullable(),
  selection: z.unknown(),
  template: z.object({ key: z.string(), version: z.number(), locale: z.string() }).nullable(),
  timeline: z.array(TimelineEntry),
});
export type NotificationDetail = z.infer<typeof NotificationDetail>;
export const NotificationDetailAnswer = z.object({ notification: NotificationDetail.nullable() });

export const INBOUND_EVENT = `query InboundEvent($eventId: String!) {
  inboundEvent(eventId: $eventId) {
    eventId receivedAt lastReceivedAt via receipts duplicatesIgnored mismatchedDuplicates
    event { type occurredAt data }
  }
}`;
export const InboundEvent = z.object({
  eventId: z.string(),
  receivedAt: z.string(),
  lastReceivedAt: z.string().nullable(),
  via: z.string(),
  receipts: z.number(),
  duplicatesIgnored: z.number(),
  mismatchedDuplicates: z.number(),
  event: z.object({ type: z.string(), occurredAt: z.string(), data: z.unknown() }).nullable(),
});
export type InboundEvent = z.infer<typeof InboundEvent>;
export const InboundEventAnswer = z.object({ inboundEvent: InboundEvent.nullable() });
