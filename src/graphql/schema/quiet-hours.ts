import { clearQuietHours, setQuietHours } from '../../commands/centre-settings/set-quiet-hours.ts';
import type { QuietHours } from '../../domain/notifications/quiet-hours.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { quietHoursOf } from '../../projections/quiet-hours/quiet-hours.queries.ts';
import { admins, readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { ValidationError } from './errors.ts';

interface QuietHoursView {
  centreId: string;
  quietHours: QuietHours | null;
  changedBy: string;
  /** Set on a mutation's answer: the ledger position of the change. */
  position: string | null;
}

interface UrgentView {
  eventType: string;
  sameDay?: boolean;
  priority?: string;
}

const UrgentTypeRef = builder.objectRef<UrgentView>('UrgentType').implement({
  description: 'An event type sent at once during quiet hours.',
  fields: (t) => ({
    eventType: t.exposeString('eventType'),
    sameDay: t.boolean({ description: 'Only when the slot it is about is on the centre\'s date when it is due (either slot, for a reschedule).', resolve: (u) => u.sameDay === true }),
    priority: t.string({ nullable: true, description: 'lab.test_requested only: urgent at this priority alone (routine, urgent or stat).', resolve: (u) => u.priority ?? null }),
  }),
});

const QuietHoursRef = builder.objectRef<QuietHoursView>('QuietHours').implement({
  description: 'A centre\'s quiet hours, as recorded, on its own wall clock. They apply to events recorded after the change.',
  fields: (t) => ({
    centreId: t.exposeID('centreId'),
    from: t.string({ nullable: true, description: 'HH:MM; null: none (cleared).', resolve: (v) => v.quietHours?.from ?? null }),
    until: t.string({ nullable: true, description: 'HH:MM, the end (not included); before `from` for a window across midnight.', resolve: (v) => v.quietHours?.until ?? null }),
    urgent: t.field({ type: [UrgentTypeRef], resolve: (v) => v.quietHours?.urgent ?? [] }),
    changedBy: t.exposeString('changedBy'),
    position: t.exposeString('position', { nullable: true, description: 'The ledger position of the change (on a mutation\'s answer).' }),
  }),
});

const UrgentTypeInput = builder.inputType('UrgentTypeInput', {
  fields: (t) => ({
    eventType: t.string({ required: true }),
    sameDay: t.boolean({ description: 'Only when the slot is today at the centre, e.g. cancellations for today.' }),
    priority: t.string({ description: 'lab.test_requested only: routine, urgent or stat.' }),
  }),
});

builder.queryField('quietHours', (t) => t.field({
  type: QuietHoursRef,
  nullable: true,
  description: 'A centre\'s quiet hours as last set or cleared; null if never set.',
  authScopes: readers,
  args: { centreId: t.arg.id({ required: true }) },
  resolve: async (_root, args, ctx) => {
    const found = await quietHoursOf(ctx.services.db, String(args.centreId));
    return found ? { centreId: String(args.centreId), quietHours: found.quietHours, changedBy: found.actor, position: null } : null;
  },
}));

builder.mutationFields((t) => ({
  setQuietHours: t.field({
    type: QuietHoursRef,
    description: 'Set a centre\'s quiet hours: what is not urgent and due inside them is sent at their end, or expires if its deadline comes first.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      centreId: t.arg.id({ required: true }),
      from: t.arg.string({ required: true, description: 'HH:MM on the centre\'s wall clock, e.g. "22:00".' }),
      until: t.arg.string({ required: true, description: 'HH:MM, e.g. "08:00" (a window may cross midnight).' }),
      urgent: t.arg({ type: [UrgentTypeInput], description: 'Sent at once all the same. Absent: the defaults (walk-in calls, emergency leave, same-day cancellations and reschedules, stat lab tests).' }),
    },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const centreId = String(args.centreId);
      const result = await setQuietHours(ctx.services.store, { centreId, from: args.from, until: args.until, urgent: args.urgent ?? null, actor }, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      return { centreId, quietHours: result.value.quietHours, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
  clearQuietHours: t.field({
    type: QuietHoursRef,
    description: 'Remove a centre\'s quiet hours: from the next event on, nothing waits. Messages already deferred keep their time.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: { centreId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const actor = actorOf(ctx);
      const centreId = String(args.centreId);
      const result = await clearQuietHours(ctx.services.store, { centreId, actor }, ctx.services.clock.now());
      if (!result.ok) throw new ValidationError('invalid-input', result.error.issues);
      return { centreId, quietHours: null, changedBy: actor, position: formatPosition(result.value.position) };
    },
  }),
}));
