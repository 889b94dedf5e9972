import { setChannelPolicy } from '../../commands/centre-settings/set-channel-policy.ts';
import { PATIENT_CHANNELS, type Channel, type PatientEventType } from '../../domain/event-catalogue.ts';
import { defaultChannelPolicy, type ChannelPolicy } from '../../domain/notifications/channel-policy.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { listChannelPolicies } from '../../projections/channel-policies/channel-policies.queries.ts';
import { admins, readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { ChannelEnum } from './enums.ts';
import { ValidationError } from './errors.ts';

interface PolicySource {
  eventType: string;
  centreId: string | null;
  policy: ChannelPolicy;
  /** 0: the product's default, never changed. */
  version: number;
  changedBy: string | null;
  position: string | null;
}

const FallbackStep = builder.objectRef<{ channel: string; then: string[] }>('FallbackStep').implement({
  description: 'Where a message on `channel` goes next, in order, when it cannot reach the patient.',
  fields: (t) => ({
    channel: t.field({ type: ChannelEnum, resolve: (s) => s.channel as Channel }),
    then: t.field({ type: [ChannelEnum], resolve: (s) => s.then as Channel[] }),
  }),
});

const ChannelPolicyRef = builder.objectRef<PolicySource>('ChannelPolicy').implement({
  description: 'Which channels a patient event type goes out on, and where each falls back to. Applies to events (and fallback triggers) recorded after it.',
  fields: (t) => ({
    eventType: t.exposeString('eventType'),
    centreId: t.exposeString('centreId', { nullable: true, description: 'Null: every centre without a policy of its own.' }),
    primary: t.field({ type: [ChannelEnum], resolve: (p) => p.policy.primary }),
    fallbacks: t.field({ type: [FallbackStep], resolve: (p) => Object.entries(p.policy.fallbacks).map(([channel, then]) => ({ channel, then: then ?? [] })) }),
    undeliveredAfterMinutes: t.int({
      description: 'Minutes after `sent` without `delivered` or `read` before the next channel is tried; only where the provider reports receipts.',
      resolve: (p) => p.policy.undeliveredAfterMinutes,
    }),
    version: t.exposeInt('version', { description: 'The version plans record (0: the default the product ships).' }),
    changedBy: t.exposeString('changedBy', { nullable: true }),
    position: t.exposeString('position', { nullable: true, description: 'Where it was recorded; null for the default.' }),
  }),
});

const FallbackStepInput = builder.inputType('FallbackStepInput', {
  fields: (t) => ({
    channel: t.string({ required: true }),
    then: t.stringList({ required: true }),
  }),
});

builder.queryField('channelPolicies', (t) =>
  t.field({
    type: [ChannelPolicyRef],
    description: 'The policy of every patient event type for every centre (the default where none was set), then each centre\'s own.',
    authScopes: readers,
    resolve: async (_root, _args, ctx) => {
      const set = await listChannelPolicies(ctx.services.db);
      const everyCentre = (Object.keys(PATIENT_CHANNELS) as PatientEventType[]).map((eventType): PolicySource => {
        const own = set.find((p) => p.eventType === eventType && p.centreId === null);
        return own
          ? { eventType, centreId: null, policy: own.policy, version: own.version, changedBy: own.actor, position: null }
          : { eventType, centreId: null, policy: defaultChannelPolicy(eventType), version: 0, changedBy: null, position: null };
      });
      const centres = set.filter((p) => p.centreId !== null).map((p): PolicySource => ({ ...p, changedBy: p.actor, position: null }));
      return [...everyCentre, ...centres];
    },
  }),
);

builder.mutationField('setChannelPolicy', (t) =>
  t.field({
    type: ChannelPolicyRef,
    description: 'Set the channels of a patient event type and their fallback chains, at every centre or at one. Staff channels stay with routing rules.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      eventType: t.arg.string({ required: true }),
      primary: t.arg.stringList({ required: true, description: 'whatsapp, sms, email: where every message of the type goes.' }),
      fallbacks: t.arg({
        type: [FallbackStepInput],
        description: 'Per primary channel, the channels to try next in order. Absent: WhatsApp falls back to SMS. Empty: no fallback.',
      }),
      undeliveredAfterMinutes: t.arg.int({ description: '1 to 1440; default 15, 3 for walk-in types.' }),
      centreId: t.arg.id({ description: 'One centre; absent: every centre without a policy of its own.' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const centreId = args.centreId == null ? null : String(args.centreId);
      const result = await setChannelPolicy(ctx.services.store, {
        eventType: args.eventType,
        primary: args.primary,
        fallbacks: args.fallbacks ?? null,
        undeliveredAfterMinutes: args.undeliveredAfterMinutes ?? null,
        centreId,
        actor,
      }, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      return { eventType: args.eventType, centreId, policy: result.value.policy, version: result.value.version, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
);
