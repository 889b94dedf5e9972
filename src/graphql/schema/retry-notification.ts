import type { RetryRequested } from '../../domain/notifications/notification-events.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { retryNotification } from '../../commands/notifications/retry-notification.ts';
import { actorOf } from '../context.ts';
import { findNotification, isNotificationId } from '../queries/notifications.queries.ts';
import { NotFoundError, StateConflictError, ValidationError } from './errors.ts';
import { Notification } from './notification.ts';

const RetryRequestedRef = builder.objectRef<RetryRequested & { position: string }>('RetryRequested').implement({
  description: 'A new attempt is planned, due now; follow it on `deliveryUpdated` or the timeline.',
  fields: (t) => ({
    notificationId: t.exposeID('notificationId'),
    previousAttempts: t.exposeInt('previousAttempts'),
    requestedAt: t.field({ type: 'DateTime', resolve: (r) => r.requestedAt }),
    position: t.exposeString('position', { description: 'The ledger position of the request.' }),
    notification: t.field({
      type: Notification,
      nullable: true,
      description: 'The notification as the read model holds it now (it may not show the retry yet).',
      resolve: (r, _args, ctx) => findNotification(ctx.services.db, r.notificationId),
    }),
  }),
});

builder.mutationField('retryNotification', (t) =>
  t.field({
    type: RetryRequestedRef,
    description: 'Give a failed notification a new attempt, with a fresh attempt budget.',
    authScopes: admins,
    errors: { types: [ValidationError, NotFoundError, StateConflictError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const id = String(args.id);
      if (!isNotificationId(id)) throw new ValidationError('invalid-input', [{ path: 'id', message: 'must be a notification id (a UUID)' }]);
      const result = await retryNotification(ctx.services, id, actorOf(ctx));
      if (result.ok) return result.value;
      if ('kind' in result.error) throw new StateConflictError('conflict', 'The notification kept changing while the retry was being recorded; read it again and retry');
      if (result.error.reason === 'not-found') throw new NotFoundError('notification', id);
      throw new StateConflictError('not-failed', `Only a failed notification can be retried; this one is ${result.error.phase}`);
    },
  }),
);
