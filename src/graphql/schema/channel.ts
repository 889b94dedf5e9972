import type { ChannelResumed } from '../../domain/notifications/channel-events.ts';
import type { Channel } from '../../domain/event-catalogue.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { resumeChannel } from '../../commands/notifications/resume-channel.ts';
import { actorOf } from '../context.ts';
import { ChannelEnum } from './enums.ts';
import { StateConflictError } from './errors.ts';

const ChannelResumedRef = builder.objectRef<ChannelResumed & { position: string }>('ChannelResumed').implement({
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, resolve: (r) => r.channel }),
    at: t.field({ type: 'DateTime', resolve: (r) => r.at }),
    position: t.exposeString('position', { description: 'The ledger position of the change.' }),
  }),
});

builder.mutationField('resumeChannel', (t) =>
  t.field({
    type: ChannelResumedRef,
    description: 'End a pause of a channel: a policy pause (an account restriction) only ends this way.',
    authScopes: admins,
    errors: { types: [StateConflictError] },
    args: { channel: t.arg({ type: ChannelEnum, required: true }) },
    resolve: async (_root, args, ctx) => {
      const result = await resumeChannel(ctx.services, args.channel as Channel, actorOf(ctx));
      if (!result.ok) throw new StateConflictError('not-paused', `The ${args.channel} channel is not paused`);
      return result.value;
    },
  }),
);
