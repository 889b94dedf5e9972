import { formatPosition } from '../../ledger/event-store.ts';
import { setReminderOffsets } from '../../commands/centre-settings/set-reminder-offsets.ts';
import { setWalkInThreshold } from '../../commands/centre-settings/set-walk-in-threshold.ts';
import { setRelevanceDeadline } from '../../commands/centre-settings/set-relevance-deadline.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { ValidationError } from './errors.ts';

interface OffsetsChange {
  centreId: string;
  offsets: string[];
  changedBy: string;
  position: string;
}

interface ThresholdChange {
  centreId: string;
  queueId: string;
  threshold: number;
  changedBy: string;
  position: string;
}

interface DeadlineChange {
  eventType: string;
  centreId: string | null;
  kind: string;
  minutes: number | null;
  changedBy: string;
  position: string;
}

const RelevanceDeadlineRef = builder.objectRef<DeadlineChange>('RelevanceDeadline').implement({
  description: 'How long an event type\'s messages stay worth sending, as recorded. Applies to events recorded after this position.',
  fields: (t) => ({
    eventType: t.exposeString('eventType'),
    centreId: t.exposeString('centreId', { nullable: true, description: 'Null: every centre without a rule of its own.' }),
    kind: t.exposeString('kind', { description: '`after-receipt`, `slot-start` or `reminder`.' }),
    minutes: t.exposeInt('minutes', { nullable: true, description: 'For after-receipt: minutes after we received the event.' }),
    changedBy: t.exposeString('changedBy'),
    position: t.exposeString('position'),
  }),
});

const ReminderOffsetsRef = builder.objectRef<OffsetsChange>('ReminderOffsets').implement({
  description: 'A centre\'s reminder offsets, as recorded. They apply to appointments confirmed or rescheduled after this position.',
  fields: (t) => ({
    centreId: t.exposeID('centreId'),
    offsets: t.exposeStringList('offsets', { description: 'In firing order, furthest from the slot first, e.g. ["24h", "2h", "30m"].' }),
    changedBy: t.exposeString('changedBy'),
    position: t.exposeString('position', { description: 'The ledger position of the change.' }),
  }),
});

const WalkInThresholdRef = builder.objectRef<ThresholdChange>('WalkInThreshold').implement({
  description: 'A walk-in queue\'s approaching-turn threshold, as recorded. It applies to queue updates after this position.',
  fields: (t) => ({
    centreId: t.exposeID('centreId'),
    queueId: t.exposeID('queueId'),
    threshold: t.exposeInt('threshold', { description: 'A token is told when its position is at or below this.' }),
    changedBy: t.exposeString('changedBy'),
    position: t.exposeString('position'),
  }),
});

builder.mutationFields((t) => ({
  setReminderOffsets: t.field({
    type: ReminderOffsetsRef,
    description: 'Set when a centre\'s appointment reminders go out (default 24h, 2h, 30m). Reminders already scheduled keep their times.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      centreId: t.arg.id({ required: true }),
      offsets: t.arg.stringList({ required: true, description: 'Whole hours or minutes before the slot, e.g. "24h", "90m"; 1 to 6 of them.' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const result = await setReminderOffsets(ctx.services.store, { centreId: String(args.centreId), offsets: args.offsets, actor }, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      return { centreId: String(args.centreId), offsets: result.value.offsets, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
  setRelevanceDeadline: t.field({
    type: RelevanceDeadlineRef,
    description: 'Set how long an event type\'s messages are sent at all (past it they are expired, never sent late), at every centre or at one.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      eventType: t.arg.string({ required: true }),
      kind: t.arg.string({ required: true, description: '`after-receipt` (with minutes), `slot-start` (types that name a slot) or `reminder` (appointment.reminder).' }),
      minutes: t.arg.int({ description: 'For after-receipt: 1 to 43200 (30 days).' }),
      centreId: t.arg.id({ description: 'One centre; absent: every centre without a rule of its own.' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const centreId = args.centreId == null ? null : String(args.centreId);
      const result = await setRelevanceDeadline(ctx.services.store, { eventType: args.eventType, rule: { kind: args.kind, minutes: args.minutes ?? null }, centreId, actor }, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      const { rule } = result.value;
      return { eventType: args.eventType, centreId, kind: rule.kind, minutes: rule.kind === 'after-receipt' ? rule.minutes : null, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
  setWalkInThreshold: t.field({
    type: WalkInThresholdRef,
    description: 'Set the queue position at which a walk-in patient is told their turn is near (default 3).',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      centreId: t.arg.id({ required: true }),
      queueId: t.arg.id({ required: true }),
      threshold: t.arg.int({ required: true, description: '1 to 1000.' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const input = { centreId: String(args.centreId), queueId: String(args.queueId), threshold: args.threshold, actor };
      const result = await setWalkInThreshold(ctx.services.store, input, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      return { centreId: input.centreId, queueId: input.queueId, threshold: result.value.threshold, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
}));
