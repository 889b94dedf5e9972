import type { Channel } from '../../domain/event-catalogue.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import { admins, wholeForAuditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { setChannelPreference, type PreferenceChanged } from '../../commands/notifications/set-channel-preference.ts';
import { actorOf } from '../context.ts';
import { ChannelEnum } from './enums.ts';
import { ValidationError } from './errors.ts';

const ChannelPreference = builder.objectRef<PreferenceChanged>('ChannelPreference').implement({
  description: "A patient's choice for one channel, as just recorded in the ledger.",
  fields: (t) => ({
    patientId: t.exposeString('patientId'),
    channel: t.field({ type: ChannelEnum, resolve: (p) => p.channel }),
    optedIn: t.exposeBoolean('optedIn'),
    address: t.string({
      nullable: true,
      ...wholeForAuditors,
      unauthorizedResolver: (p) => (p.address === null ? null : maskAddress(p.address)),
      resolve: (p) => p.address,
    }),
    at: t.field({ type: 'DateTime', resolve: (p) => p.at }),
    position: t.exposeString('position', { description: 'The ledger position of the change.' }),
  }),
});

builder.mutationField('setChannelPreference', (t) =>
  t.field({
    type: ChannelPreference,
    description: 'Opt a patient out of a channel, or back in (their id, and the address when given). Applies to events processed after it.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      patientId: t.arg.id({ required: true }),
      channel: t.arg({ type: ChannelEnum, required: true }),
      optedIn: t.arg.boolean({ required: true }),
      address: t.arg.string({ description: 'The phone (E.164), email or token, when the choice concerns one address.' }),
    },
    resolve: async (_root, args, ctx) => {
      const result = await setChannelPreference(
        ctx.services,
        { patientId: String(args.patientId), channel: args.channel as Channel, optedIn: args.optedIn, address: args.address },
        actorOf(ctx),
      );
      if (!result.ok) throw new ValidationError('invalid-input', result.error);
      return result.value;
    },
  }),
);
