import { z } from 'zod';

// The GraphQL operations the page runs, each beside the schema that checks its answer.

const NOTIFICATION_FIELDS = `
  id eventId eventType centreId bookingReference channel status attempts suppressionReason lastErrorCode
  createdAt updatedAt fallbackOf recipient { kind id address }`;

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
  /** A fallback: the notification it stands in for. */
  fallbackOf: z.string().nullable(),
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
    fallbacks { id channel status }
    timeline { type explanation revision globalPosition recordedAt actor data }
  }
}`;
export const TimelineEntry = z.object({
  type: z.string(),
  explanation: z.string(),
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
  fallbacks: z.array(z.object({ id: z.string(), channel: z.string(), status: z.string() })),
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

// Templates (read-only here; editing is over GraphQL).

const NamedValue = z.object({ name: z.string(), value: z.string() });
export const RenderedMessage = z.discriminatedUnion('__typename', [
  z.object({ __typename: z.literal('RenderedWhatsApp'), templateName: z.string(), languageCode: z.string(), bodyParameters: z.array(z.string()), buttonParameter: z.string().nullable(), previewText: z.string() }),
  z.object({ __typename: z.literal('RenderedEmail'), subject: z.string(), text: z.string() }),
  z.object({ __typename: z.literal('RenderedSms'), text: z.string(), segments: z.number(), dltTemplateId: z.string().nullable() }),
  z.object({ __typename: z.literal('RenderedPush'), title: z.string(), body: z.string(), data: z.array(NamedValue) }),
  z.object({ __typename: z.literal('RenderedInApp'), title: z.string(), body: z.string() }),
]);
export type RenderedMessage = z.infer<typeof RenderedMessage>;
const RENDERED_FIELDS = `__typename
  ... on RenderedWhatsApp { templateName languageCode bodyParameters buttonParameter previewText }
  ... on RenderedEmail { subject text }
  ... on RenderedSms { text segments dltTemplateId }
  ... on RenderedPush { title body data { name value } }
  ... on RenderedInApp { title body }`;

const TEMPLATE_FIELDS = 'key eventType channel locale centreId version retired shippedOnly approval';
export const TemplateSummary = z.object({
  key: z.string(),
  eventType: z.string(),
  channel: z.string(),
  locale: z.string(),
  centreId: z.string().nullable(),
  version: z.number(),
  retired: z.boolean(),
  shippedOnly: z.boolean(),
  approval: z.string().nullable(),
});
export type TemplateSummary = z.infer<typeof TemplateSummary>;

export const LIST_TEMPLATES = `query Templates($filter: TemplateFilter) {
  templates(filter: $filter) { ${TEMPLATE_FIELDS} }
  whatsappTemplateSnapshot { configured syncedAt }
}`;
export const ListTemplatesAnswer = z.object({
  templates: z.array(TemplateSummary),
  whatsappTemplateSnapshot: z.object({ configured: z.boolean(), syncedAt: z.string().nullable() }),
});

export const TEMPLATE_DETAIL = `query Template($key: String!) {
  template(key: $key) {
    ${TEMPLATE_FIELDS}
    sample { ${RENDERED_FIELDS} }
    sampleError
    history { version kind actor at position }
  }
}`;
export const TemplateChange = z.object({ version: z.number(), kind: z.string(), actor: z.string(), at: z.string(), position: z.string() });
export type TemplateChange = z.infer<typeof TemplateChange>;
export const TemplateDetail = TemplateSummary.extend({
  sample: RenderedMessage.nullable(),
  sampleError: z.string().nullable(),
  history: z.array(TemplateChange),
});
export type TemplateDetail = z.infer<typeof TemplateDetail>;
export const TemplateDetailAnswer = z.object({ template: TemplateDetail.nullable() });
