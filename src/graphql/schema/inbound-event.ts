import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { maskContactsDeep } from '../../domain/mask-contacts-deep.ts';
import { streamName, streamNameIfValid } from '../../domain/stream-name.ts';
import { readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import { readers, wholeForAuditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { findInboundEvent, type InboundEventRow } from '../queries/inbound-events.queries.ts';
import { notificationsOfEvent } from '../queries/notifications.queries.ts';
import { Notification } from './notification.ts';

/** The upstream event exactly as first received: its payload is in the ledger, not the read model. */
const ReceivedEvent = builder.objectRef<InboundEventReceived>('ReceivedEvent').implement({
  fields: (t) => ({
    type: t.exposeString('type'),
    occurredAt: t.exposeString('occurredAt', { description: 'As the publisher wrote it.' }),
    data: t.field({
      type: 'JSON',
      description: 'The payload as received, unknown fields included. Contacts masked for dashboard tokens.',
      ...wholeForAuditors,
      unauthorizedResolver: (e) => maskContactsDeep(e.data),
      resolve: (e) => e.data,
    }),
    payloadHash: t.exposeString('payloadHash'),
  }),
});

const InboundEvent = builder.objectRef<InboundEventRow>('InboundEvent').implement({
  description: 'An upstream event: when and how it arrived, how often it was repeated, what it caused.',
  fields: (t) => ({
    eventId: t.exposeString('event_id'),
    stream: t.string({ resolve: (e) => streamName.inbound(e.event_id) }),
    event: t.field({ type: ReceivedEvent, nullable: true, resolve: (e, _args, ctx) => firstReceipt(ctx.services.store, e.event_id) }),
    receivedAt: t.field({ type: 'DateTime', description: 'The first receipt.', resolve: (e) => e.first_received_at }),
    lastReceivedAt: t.field({ type: 'DateTime', resolve: (e) => e.last_received_at }),
    via: t.exposeString('via', { description: '`amqp`, `http` or `graphql`: how it first arrived.' }),
    receipts: t.exposeInt('receipts', { description: 'Receipts recorded: 1, or more when it came again after the dedup window.' }),
    duplicatesIgnored: t.exposeInt('duplicates', { description: 'Repeats inside the dedup window, noted and not processed.' }),
    mismatchedDuplicates: t.exposeInt('mismatched_duplicates', { description: 'Of those, repeats whose content differed: a reused id.' }),
    notifications: t.field({
      type: [Notification],
      resolve: (e, _args, ctx) => notificationsOfEvent(ctx.services.db, e.event_id),
    }),
  }),
});

builder.queryField('inboundEvent', (t) =>
  t.field({
    type: InboundEvent,
    nullable: true,
    authScopes: readers,
    args: { eventId: t.arg.string({ required: true }) },
    resolve: (_root, { eventId }, ctx) => findInboundEvent(ctx.services.db, eventId),
  }),
);

builder.objectField(Notification, 'inboundEvent', (t) =>
  t.field({
    type: InboundEvent,
    nullable: true,
    description: 'The upstream event that caused it.',
    resolve: (n, _args, ctx) => findInboundEvent(ctx.services.db, n.event_id),
  }),
);

async function firstReceipt(store: EventStore, eventId: string): Promise<InboundEventReceived | null> {
  const stream = streamNameIfValid.inbound(eventId);
  if (!stream) return null;
  const events = await readStreamToArray(store, stream);
  const first = events.find((e) => e.type === INBOUND_RECEIVED);
  return first ? (first.data as InboundEventReceived) : null;
}
