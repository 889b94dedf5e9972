import { GraphQLError } from 'graphql';
import { ERASED } from '../../domain/keys/personal-data.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import { STAFF_ROLES, type StaffContacts, type StaffMemberRejection } from '../../domain/staff-routing/staff-directory.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { deactivateStaffMember } from '../../commands/staff/deactivate-staff-member.ts';
import type { StaffMemberChanged } from '../../commands/staff/change-staff-member.ts';
import { markStaffAlertRead } from '../../commands/staff/mark-staff-alert-read.ts';
import { upsertStaffMember } from '../../commands/staff/upsert-staff-member.ts';
import { listStaffAlerts, MAX_PAGE, staffAlertBook, type StaffAlert } from '../../projections/staff/staff-alerts.queries.ts';
import { findStaffMember, listStaffMembers, type StaffMemberView } from '../../projections/staff/staff-directory.queries.ts';
import { admins, alertReaders, readers, wholeForAuditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf, centresOf, type GraphqlContext } from '../context.ts';
import { NotFoundError } from './errors.ts';
import { InputRejected } from './input-rejected.ts';

const StaffRoleEnum = builder.enumType('StaffRole', { values: STAFF_ROLES });

/** Full contacts for admins and auditors; masked (+91******3210, j***@example.com) for dashboards; `[erased]` as it is. */
const masked = (address: string | undefined) => (address ? (address === ERASED ? ERASED : maskAddress(address)) : null);

const Contacts = builder.objectRef<StaffContacts>('StaffContacts').implement({
  fields: (t) => ({
    email: t.string({ nullable: true, ...wholeForAuditors, unauthorizedResolver: (c) => masked(c.email), resolve: (c) => c.email ?? null }),
    whatsapp: t.string({ nullable: true, ...wholeForAuditors, unauthorizedResolver: (c) => masked(c.whatsapp), resolve: (c) => c.whatsapp ?? null }),
    sms: t.string({ nullable: true, ...wholeForAuditors, unauthorizedResolver: (c) => masked(c.sms), resolve: (c) => c.sms ?? null }),
    pushTokens: t.stringList({
      ...wholeForAuditors,
      unauthorizedResolver: (c) => (c.pushTokens ?? []).map((token) => masked(token)!),
      resolve: (c) => c.pushTokens ?? [],
    }),
  }),
});

type MemberSource = StaffMemberView & { position?: string | null };

const StaffMemberRef = builder.objectRef<MemberSource>('StaffMember').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    roles: t.field({ type: [StaffRoleEnum], resolve: (m) => m.roles }),
    centreIds: t.exposeStringList('centreIds'),
    // A record sealed before contacts kept their shape reads `[erased]` whole once erased: no contacts left.
    contacts: t.field({ type: Contacts, resolve: (m) => (typeof m.contacts === 'object' && m.contacts !== null ? m.contacts : {}) }),
    locale: t.exposeString('locale', { nullable: true }),
    active: t.exposeBoolean('active'),
    revision: t.exposeInt('revision', { description: 'The revision of the last change in `staff-member-<id>`.' }),
    changedBy: t.exposeString('changedBy'),
    changedAt: t.field({ type: 'DateTime', resolve: (m) => m.changedAt }),
    position: t.string({ nullable: true, description: 'The ledger position of the change, on a mutation\'s answer (null: nothing changed).', resolve: (m) => m.position ?? null }),
  }),
});

const StaffAlertRef = builder.objectRef<StaffAlert>('StaffAlert').implement({
  description: 'An in-app alert to one staff member.',
  fields: (t) => ({
    notificationId: t.exposeID('notificationId'),
    staffId: t.exposeString('staffId'),
    eventId: t.exposeString('eventId'),
    eventType: t.exposeString('eventType'),
    centreId: t.exposeString('centreId', { nullable: true }),
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    selection: t.field({ type: 'JSON', description: 'The routing rule and version that chose this staff member.', resolve: (a) => a.selection }),
    deliveredAt: t.field({ type: 'DateTime', resolve: (a) => a.deliveredAt }),
    readAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.readAt }),
    readBy: t.exposeString('readBy', { nullable: true }),
  }),
});

const ContactsInput = builder.inputType('StaffContactsInput', {
  fields: (t) => ({ email: t.string(), whatsapp: t.string(), sms: t.string(), pushTokens: t.stringList() }),
});

const StaffMemberInput = builder.inputType('StaffMemberInput', {
  description: 'The whole record: an upsert replaces what was there.',
  fields: (t) => ({
    id: t.string({ required: true }),
    name: t.string({ required: true }),
    roles: t.stringList({ required: true, description: `Any of ${STAFF_ROLES.join(', ')}.` }),
    centreIds: t.stringList({ required: true }),
    contacts: t.field({ type: ContactsInput }),
    locale: t.string(),
    active: t.boolean({ description: 'Default true.' }),
  }),
});

const deps = (ctx: GraphqlContext) => ({ store: ctx.services.store, clock: ctx.services.clock, db: ctx.services.db });

function withoutNulls(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) =>
    [k, typeof v === 'object' && !Array.isArray(v) ? withoutNulls(v as Record<string, unknown>) : v]));
}

function toGraphqlError(e: StaffMemberRejection): Error {
  return e.kind === 'invalid-input' ? new InputRejected(e.issues) : new NotFoundError('staff member', e.staffId);
}

/**
 * The member as the command left them (the planner applies the change to the directory shortly
 * after); when nothing changed, who changed them last is the directory's answer.
 */
async function answer(
  ctx: GraphqlContext,
  result: { ok: true; value: StaffMemberChanged } | { ok: false; error: StaffMemberRejection },
): Promise<MemberSource> {
  if (!result.ok) throw toGraphqlError(result.error);
  const { member, revision, position } = result.value;
  const last = position ? null : await findStaffMember(ctx.services.db, member.id);
  return {
    ...member,
    revision,
    changedBy: last?.changedBy ?? actorOf(ctx),
    changedAt: last?.changedAt ?? ctx.services.clock.now(),
    position: position && formatPosition(position),
  };
}

builder.queryFields((t) => ({
  staffMembers: t.field({
    type: [StaffMemberRef],
    description: 'The staff directory: active members, by centre and role when given.',
    authScopes: readers,
    args: { centreId: t.arg.string(), role: t.arg({ type: StaffRoleEnum }), includeInactive: t.arg.boolean() },
    resolve: async (_root, args, ctx) =>
      ctx.services.cells.open(await listStaffMembers(ctx.services.db, { centreId: args.centreId, role: args.role, includeInactive: args.includeInactive ?? false })),
  }),
  staffAlerts: t.field({
    type: [StaffAlertRef],
    description: 'A staff member\'s in-app alerts, newest first. A front desk token reads those of the front desk at its centres.',
    authScopes: alertReaders,
    args: { staffId: t.arg.string({ required: true }), unreadOnly: t.arg.boolean(), limit: t.arg.int({ description: `At most ${MAX_PAGE}.` }) },
    resolve: async (_root, args, ctx) => {
      await mayReadAlertsOf(ctx, args.staffId);
      return ctx.services.cells.open(await listStaffAlerts(ctx.services.db, args.staffId, { unreadOnly: args.unreadOnly ?? false, limit: args.limit ?? 100 }));
    },
  }),
}));

builder.mutationFields((t) => ({
  upsertStaffMember: t.field({
    type: StaffMemberRef,
    authScopes: admins,
    errors: { types: [InputRejected, NotFoundError] },
    args: { input: t.arg({ type: StaffMemberInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      return answer(ctx, await upsertStaffMember(deps(ctx), { input: withoutNulls({ ...args.input }), actor: actorOf(ctx) }));
    },
  }),
  deactivateStaffMember: t.field({
    type: StaffMemberRef,
    authScopes: admins,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.string({ required: true }), reason: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      return answer(ctx, await deactivateStaffMember(deps(ctx), { staffId: args.id, reason: args.reason, actor: actorOf(ctx) }));
    },
  }),
  markStaffAlertRead: t.field({
    type: StaffAlertRef,
    authScopes: admins,
    errors: { types: [NotFoundError] },
    args: { staffId: t.arg.string({ required: true }), notificationId: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const result = await markStaffAlertRead({ ...deps(ctx), alerts: staffAlertBook(ctx.services.db) }, { staffId: args.staffId, notificationId: args.notificationId, actor: actorOf(ctx) });
      if (!result.ok) throw new NotFoundError('staff alert', args.notificationId);
      return ctx.services.cells.open(result.value.alert);
    },
  }),
}));

/** A front desk token reads the alerts of front-desk members at its centres, and nobody else's. */
async function mayReadAlertsOf(ctx: GraphqlContext, staffId: string): Promise<void> {
  const centres = centresOf(ctx.caller);
  if (ctx.caller?.role !== 'frontdesk') return;
  const member = await findStaffMember(ctx.services.db, staffId);
  const allowed = member !== null && member.roles.includes('front_desk') && (centres === null || member.centreIds.some((c) => centres.includes(c)));
  if (!allowed) throw new GraphQLError('A front desk token reads only the alerts of the front desk at its centres', { extensions: { code: 'FORBIDDEN' } });
}

builder.subscriptionField('staffAlerts', (t) =>
  t.field({
    type: StaffAlertRef,
    description: 'A staff member\'s in-app alerts as they are delivered. A front desk token hears those of the front desk at its centres.',
    authScopes: alertReaders,
    args: { staffId: t.arg.string({ required: true }) },
    subscribe: async (_root, args, ctx) => {
      await mayReadAlertsOf(ctx, args.staffId);
      const hub = ctx.services.staffAlerts;
      if (!hub) throw new GraphQLError('Live staff alerts are not available on this server');
      return hub.subscribe(args.staffId);
    },
    // The hub carries alerts as kept (their words sealed): each subscriber's answer opens them.
    resolve: (alert: StaffAlert, _args, ctx) => ctx.services.cells.open(alert),
  }),
);
