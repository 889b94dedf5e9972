import type { Channel } from '../../domain/event-catalogue.ts';
import type { NotificationStatus } from '../../domain/notifications/notification-events.ts';
import { readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { deliveryStats, type DeliveryStatsRow } from '../queries/notifications.queries.ts';
import { ChannelEnum, NotificationStatusEnum } from './enums.ts';

const DeliveryStat = builder.objectRef<DeliveryStatsRow>('DeliveryStat').implement({
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, resolve: (s) => s.channel as Channel }),
    status: t.field({ type: NotificationStatusEnum, resolve: (s) => s.status as NotificationStatus }),
    count: t.exposeInt('count'),
  }),
});

builder.queryField('deliveryStats', (t) =>
  t.field({
    type: [DeliveryStat],
    description: 'Notifications created in [from, to), counted by channel and status; only the pairs that occur.',
    authScopes: readers,
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: (_root, args, ctx) => deliveryStats(ctx.services.db, { from: args.from, to: args.to }),
  }),
);
