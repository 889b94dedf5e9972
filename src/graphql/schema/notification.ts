import { GraphQLError } from 'graphql';
import { maskAddress } from '../../domain/mask-contact.ts';
import { maskContactsDeep, maskContactsInText } from '../../domain/mask-contacts-deep.ts';
import { CHANNELS, type Channel } from '../../domain/event-catalogue.ts';
import { contactHash, contactKindOf, type LedgerKeys } from '../../domain/keys/ledger-keys.ts';
import { NOTIFICATION_EVENT_TYPES, type NotificationPlanned, type NotificationStatus } from '../../domain/notifications/notification-events.ts';
import { streamName } from '../../domain/stream-name.ts';
import { wordsOf } from '../../domain/templates/recorded-content.ts';
import type { RenderedMessage } from '../../domain/templates/rendered-message.ts';
import { formatPosition, readStreamToArray, type EventStore, type RecordedEvent } from '../../ledger/event-store.ts';
import { auditors, readers, wholeForAuditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import {
  decodeCursor,
  encodeCursor,
  fallbacksOf,
  findNotification,
  listNotifications,
  type NotificationRow,
} from '../queries/notifications.queries.ts';
import { ChannelEnum, NotificationStatusEnum } from './enums.ts';
import { RenderedMessageRef } from './template-content.ts';
import { explainNotificationEvent } from '../../domain/notifications/explain-event.ts';

export const MAX_PAGE_SIZE = 200;
const DEFAULT_PAGE_SIZE = 50;

interface RecipientSource {
  kind: string;
  id: string;
  address: string | null;
}

const Recipient = builder.objectRef<RecipientSource>('Recipient').implement({
  fields: (t) => ({
    kind: t.exposeString('kind', { description: '`patient` or `staff`.' }),
    id: t.exposeString('id', { description: "The person's id upstream (patient) or in the staff directory." }),
    address: t.string({
      nullable: true,
      description: 'Where the message goes. Masked (+91******3210, j***@example.com) for dashboard tokens.',
      ...wholeForAuditors,
      unauthorizedResolver: (r) => (r.address === null ? null : maskAddress(r.address)),
      resolve: (r) => r.address,
    }),
  }),
});

const NotificationTemplate = builder.objectRef<{ key: string; version: number; locale: string }>('NotificationTemplate').implement({
  description: 'The template version planning chose; `template(key:)` has its content and history.',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version'),
    locale: t.exposeString('locale'),
  }),
});

/** The words a notification carries: as planning recorded them, or for an older one, its recorded version rendered once. */
async function wordsOfNotification(store: EventStore, notificationId: string): Promise<RenderedMessage | null> {
  const events = await readStreamToArray(store, streamName.notification(notificationId));
  const planned = events.find((e) => e.type === NOTIFICATION_EVENT_TYPES.planned);
  if (!planned) return null;
  const words = wordsOf(planned.data as NotificationPlanned);
  return words.ok ? words.value : null;
}

/** One ledger entry of a notification's own stream; contacts in its data are masked for dashboards. */
export const TimelineEntry = builder.objectRef<RecordedEvent>('TimelineEntry').implement({
  fields: (t) => ({
    type: t.exposeString('type'),
    explanation: t.string({
      description: 'The step in words: the trigger, the policy version, the deadline. Never a contact.',
      resolve: (e) => explainNotificationEvent(e.type, e.data),
    }),
    revision: t.int({ resolve: (e) => Number(e.revision) }),
    globalPosition: t.string({ resolve: (e) => formatPosition(e.position) }),
    recordedAt: t.field({ type: 'DateTime', resolve: (e) => e.recordedAt }),
    actor: t.string({ nullable: true, description: 'Who appended it: a worker, `system`, or the admin token name.', resolve: (e) => e.metadata.actor ?? null }),
    data: t.field({
      type: 'JSON',
      ...wholeForAuditors,
      unauthorizedResolver: (e) => maskContactsDeep(e.data),
      resolve: (e) => e.data,
    }),
  }),
});

export const Notification = builder.objectRef<NotificationRow>('Notification');

// Implemented apart from its ref: a notification lists its fallbacks, which are notifications.
Notification.implement({
  description: 'One message to one recipient on one channel, as the deliveries read model holds it.',
  fields: (t) => ({
    id: t.exposeID('notification_id'),
    stream: t.string({ description: 'Its ledger stream, for `ledger(stream:)`.', resolve: (n) => streamName.notification(n.notification_id) }),
    eventId: t.exposeString('event_id', { description: 'The inbound event that caused it.' }),
    eventType: t.exposeString('event_type'),
    centreId: t.exposeString('centre_id', { nullable: true }),
    bookingReference: t.exposeString('booking_reference', { nullable: true }),
    appointmentId: t.exposeString('appointment_id', { nullable: true }),
    channel: t.field({ type: ChannelEnum, resolve: (n) => n.channel as Channel }),
    recipient: t.field({
      type: Recipient,
      // The row keeps the address sealed: opened here, for whichever answer shows it (or masks it).
      resolve: async (n, _args, ctx) => ({ kind: n.recipient_kind, id: n.recipient_id, address: await ctx.services.cells.open(n.recipient_address) }),
    }),
    status: t.field({ type: NotificationStatusEnum, resolve: (n) => n.status as NotificationStatus }),
    suppressionReason: t.string({
      nullable: true,
      description: 'Why it was not sent: at planning, or after it (a fallback whose original was delivered first, a reminder overtaken).',
      resolve: (n) => n.suppression_reason ?? (n.status === 'suppressed' ? n.last_error_code : null),
    }),
    fallbackOf: t.exposeID('fallback_of', { nullable: true, description: 'A fallback: the notification it stands in for.' }),
    fallbacks: t.field({
      type: [Notification],
      description: 'The notifications that stood in for this one on another channel, in order.',
      resolve: (n, _args, ctx) => fallbacksOf(ctx.services.db, n.notification_id),
    }),
    attempts: t.exposeInt('attempts'),
    possibleDuplicate: t.exposeBoolean('possible_duplicate', {
      description: 'An attempt was left open by a crash and retried: the recipient may have it twice.',
    }),
    provider: t.exposeString('provider', { nullable: true }),
    providerMessageId: t.exposeString('provider_message_id', { nullable: true }),
    lastErrorCode: t.exposeString('last_error_code', { nullable: true }),
    lastError: t.string({
      nullable: true,
      description: "The provider's or planner's last error message; contacts in it are masked for dashboards.",
      ...wholeForAuditors,
      unauthorizedResolver: (n) => (n.last_error === null ? null : maskContactsInText(n.last_error)),
      resolve: (n) => n.last_error,
    }),
    template: t.field({
      type: NotificationTemplate,
      nullable: true,
      resolve: (n) => (n.template_key === null || n.template_version === null ? null : { key: n.template_key, version: n.template_version, locale: n.locale }),
    }),
    selection: t.field({
      type: 'JSON',
      description: 'Why it was selected: the catalogue entry, routing rule, reminder or threshold.',
      resolve: (n) => n.selection,
    }),
    dueAt: t.field({ type: 'DateTime', nullable: true, resolve: (n) => n.due_at }),
    createdAt: t.field({ type: 'DateTime', resolve: (n) => n.created_at }),
    updatedAt: t.field({ type: 'DateTime', resolve: (n) => n.updated_at }),
    content: t.field({
      type: RenderedMessageRef,
      nullable: true,
      description: 'The words it carries, exactly as they go (went) to the provider; null when it was suppressed before planning. Contacts masked for dashboards.',
      ...wholeForAuditors,
      unauthorizedResolver: async (n, _args, ctx) => {
        const words = await wordsOfNotification(ctx.services.store, n.notification_id);
        return words && (maskContactsDeep(words) as RenderedMessage);
      },
      resolve: (n, _args, ctx) => wordsOfNotification(ctx.services.store, n.notification_id),
    }),
    timeline: t.field({
      type: [TimelineEntry],
      description: 'Its ledger entries in order: planned, attempts, sends, provider reports, retries.',
      resolve: (n, _args, ctx) => readStreamToArray(ctx.services.store, streamName.notification(n.notification_id)),
    }),
  }),
});

const NotificationFilter = builder.inputType('NotificationFilter', {
  fields: (t) => ({
    eventType: t.string(),
    channel: t.field({ type: ChannelEnum }),
    status: t.field({ type: NotificationStatusEnum }),
    recipient: t.string({ description: "A recipient's person id or exact address. Not for dashboard tokens." }),
    centreId: t.string(),
    bookingReference: t.string(),
    from: t.field({ type: 'DateTime', description: 'Created at or after.' }),
    to: t.field({ type: 'DateTime', description: 'Created before.' }),
    fallback: t.boolean({ description: 'true: only fallbacks (a notification standing in for another on a second channel); false: only originals.' }),
  }),
});

builder.queryField('notification', (t) =>
  t.field({
    type: Notification,
    nullable: true,
    authScopes: readers,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => findNotification(ctx.services.db, String(id)),
  }),
);

builder.queryField('notifications', (t) =>
  t.connection({
    type: Notification,
    description: `Newest first, ${DEFAULT_PAGE_SIZE} a page unless \`first\` says otherwise (at most ${MAX_PAGE_SIZE}); page on with \`after\`.`,
    // Looking people up by contact is for auditors: dashboards see contacts masked, so they may not search by them.
    authScopes: (_root, args) => (args.filter?.recipient ? auditors : readers),
    args: { filter: t.arg({ type: NotificationFilter }) },
    resolve: async (_root, args, ctx) => {
      if (args.last != null || args.before != null) throw badInput('last and before are not supported: page forward with first and after');
      const limit = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      if (args.after != null && !after) throw badInput('after is not a cursor from this connection');
      const filter = args.filter ?? {};
      const recipient = filter.recipient ? { id: filter.recipient, addressHashes: addressHashesOf(ctx.services.keys, filter.recipient) } : null;
      const { rows, hasNextPage } = await listNotifications(ctx.services.db, { ...filter, recipient }, { limit, after });
      const edges = rows.map((row) => ({ cursor: encodeCursor(row), node: row }));
      return {
        edges,
        pageInfo: { hasNextPage, hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }, { name: 'NotificationConnection' }, { name: 'NotificationEdge' }),
);

/** The keyed hashes `value` has as an address of any channel: the rows keep addresses sealed, and are found by these. */
function addressHashesOf(keys: Pick<LedgerKeys, 'contactHash'>, value: string): string[] {
  return [...new Set(CHANNELS.map(contactKindOf))].map((kind) => contactHash(keys, kind, value));
}

export function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  return first;
}

export const badInput = (message: string): GraphQLError => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
