import { CHANNELS } from '../../domain/event-catalogue.ts';
import { NOTIFICATION_STATUSES } from '../../domain/notifications/notification-events.ts';
import { builder } from '../builder.ts';

// Values match the ledger's spelling, so filters and payloads read the same everywhere.
export const ChannelEnum = builder.enumType('Channel', { values: CHANNELS });
export const NotificationStatusEnum = builder.enumType('NotificationStatus', { values: NOTIFICATION_STATUSES });
