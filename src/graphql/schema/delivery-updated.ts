import type { NotificationStatus } from '../../domain/notification-events.ts';
import { readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import type { DeliveryUpdate } from '../delivery-feed.ts';
import { ChannelEnum, NotificationStatusEnum } from './enums.ts';
import { Notification } from './notification.ts';

const DeliveryUpdateRef = builder.objectRef<DeliveryUpdate>('DeliveryUpdate').implement({
  description: "A notification's status changed.",
  fields: (t) => ({
    notification: t.field({ type: Notification, resolve: (u) => u.notification }),
    status: t.field({ type: NotificationStatusEnum, resolve: (u) => u.notification.status as NotificationStatus }),
    previousStatus: t.field({
      type: NotificationStatusEnum,
      nullable: true,
      description: 'The status before, when this server saw it; null for the first status it sees.',
      resolve: (u) => u.previousStatus as NotificationStatus | null,
    }),
    at: t.field({ type: 'DateTime', resolve: (u) => u.notification.updated_at }),
  }),
});

const DeliveryUpdatedFilter = builder.inputType('DeliveryUpdatedFilter', {
  fields: (t) => ({
    eventType: t.string(),
    channel: t.field({ type: ChannelEnum }),
    status: t.field({ type: NotificationStatusEnum, description: 'Only changes to this status.' }),
    centreId: t.string(),
  }),
});

builder.subscriptionField('deliveryUpdated', (t) =>
  t.field({
    type: DeliveryUpdateRef,
    description: 'Every status change of the notifications that match, live, whichever instance made it.',
    authScopes: readers,
    args: { filter: t.arg({ type: DeliveryUpdatedFilter }) },
    subscribe: (_root, args, ctx) => ctx.services.feed.subscribe(args.filter ?? {}),
    resolve: (update) => update,
  }),
);
