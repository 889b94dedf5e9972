import { readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import type { DeliveryUpdate } from '../delivery-feed.ts';
import { ChannelEnum, NotificationStatusEnum } from './enums.ts';
import { Notification } from './notification.ts';

const DeliveryUpdateRef = builder.objectRef<DeliveryUpdate>('DeliveryUpdate').implement({
  description: "A notification's status changed.",
  fields: (t) => ({
    notification: t.field({ type: Notification, description: 'As it stands now; it may have moved on since `status`.', resolve: (u) => u.notification }),
    status: t.field({ type: NotificationStatusEnum, description: 'The status this change moved it to.', resolve: (u) => u.status }),
    previousStatus: t.field({
      type: NotificationStatusEnum,
      nullable: true,
      description: 'The status before, when this server saw it; null for the first status it sees.',
      resolve: (u) => u.previousStatus,
    }),
    at: t.field({ type: 'DateTime', description: 'When the change was recorded in the ledger.', resolve: (u) => u.at }),
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
