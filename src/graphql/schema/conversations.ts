import { GraphQLError } from 'graphql';
import { replyToPatient } from '../../commands/conversations/reply-to-patient.ts';
import { patientRepliedEventId } from '../../domain/conversations/conversation-events.ts';
import { maskAddress } from '../../domain/mask-contact.ts';
import { conversationReaders, repliers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf, centresOf, type GraphqlContext } from '../context.ts';
import {
  conversationOfPatient,
  findConversation,
  listConversations,
  patientsOfConversations,
  threadOf,
  type ConversationPatient,
  type ConversationRow,
  type ThreadMessage,
} from '../queries/conversations.queries.ts';
import { findNotification } from '../queries/notifications.queries.ts';
import { ChannelEnum } from './enums.ts';
import { ErrorInterface, NotFoundError, ValidationError } from './errors.ts';
import { Notification, badInput } from './notification.ts';

/** Outside the patient's 24-hour window WhatsApp takes no free-form message; nothing was sent. */
export class WindowClosed extends Error {
  override readonly name = 'WindowClosed';
  constructor(readonly closedAt: Date | null) {
    super(closedAt === null
      ? 'The patient has not written on WhatsApp, so there is no window to reply in; send a template instead'
      : `The patient's 24-hour window closed at ${closedAt.toISOString()}; send a template instead`);
  }
}

const MAX_CONVERSATIONS = 100;
const MAX_MESSAGES = 200;

/** Who may see a conversation: every centre for admins, auditors and dashboards; its own for a front desk. */
const visibleTo = (ctx: GraphqlContext, conversation: Pick<ConversationRow, 'centre_id'>): boolean => {
  const centres = centresOf(ctx.caller);
  return centres === null || (conversation.centre_id !== null && centres.includes(conversation.centre_id));
};

/** Full contacts for those who answer patients or audit; masked for dashboards. */
const seesContacts = (ctx: GraphqlContext): boolean => ctx.caller?.role !== 'dashboard';

/*
 * The read model keeps the number, the names and the words sealed: each answer opens them here,
 * as it is given (a list in one trip to the key store), and nothing of it is kept.
 */
const opened = <T>(ctx: GraphqlContext, value: T): Promise<T> => ctx.services.cells.open(value);

const ConversationPatientRef = builder.objectRef<ConversationPatient>('ConversationPatient').implement({
  description: 'A patient an event named with this number (families share numbers).',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { nullable: true }),
  }),
});

const ConversationWindowRef = builder.objectRef<{ closesAt: Date | null; now: Date }>('ConversationWindow').implement({
  description: "WhatsApp's customer-service window: free-form replies are allowed until it closes, 24 hours after the patient's last message.",
  fields: (t) => ({
    open: t.boolean({ resolve: (w) => w.closesAt !== null && w.closesAt.getTime() > w.now.getTime() }),
    closesAt: t.field({ type: 'DateTime', nullable: true, description: 'Null when the patient never wrote on WhatsApp.', resolve: (w) => w.closesAt }),
  }),
});

const DirectionEnum = builder.enumType('MessageDirection', { values: ['IN', 'OUT'] as const });

const MediaRef = builder.objectRef<{ kind: string; mimeType: string | null; caption: string | null; mediaId: string }>('ConversationMedia').implement({
  description: "A photo, document, voice note or video the patient sent; the provider keeps the file under its id.",
  fields: (t) => ({
    kind: t.exposeString('kind'),
    mimeType: t.exposeString('mimeType', { nullable: true }),
    caption: t.exposeString('caption', { nullable: true }),
    mediaId: t.exposeString('mediaId'),
  }),
});

const LocationRef = builder.objectRef<{ latitude: number; longitude: number; name: string | null; address: string | null }>('ConversationLocation').implement({
  fields: (t) => ({
    latitude: t.exposeFloat('latitude'),
    longitude: t.exposeFloat('longitude'),
    name: t.exposeString('name', { nullable: true }),
    address: t.exposeString('address', { nullable: true }),
  }),
});

const ConversationMessageRef = builder.objectRef<ThreadMessage>('ConversationMessage').implement({
  description: "One message in a conversation: the patient's, a front-desk reply, or a notification the clinic's systems caused.",
  fields: (t) => ({
    id: t.exposeID('id'),
    direction: t.field({ type: DirectionEnum, resolve: (m) => (m.direction === 'in' ? 'IN' : 'OUT') }),
    at: t.field({ type: 'DateTime', description: "The patient's own timestamp for theirs; when it was planned for ours.", resolve: (m) => m.at }),
    channel: t.field({ type: ChannelEnum, resolve: (m) => m.channel as 'whatsapp' | 'sms' }),
    type: t.exposeString('type', { description: 'text, button, media or location for the patient\'s; text for a reply; template for a notification.' }),
    text: t.exposeString('text', { nullable: true, description: 'The words, as the patient wrote or read them.' }),
    intent: t.exposeString('intent', { nullable: true, description: 'opt-out or opt-in when the patient sent a consent keyword (acted on as such).' }),
    media: t.field({ type: MediaRef, nullable: true, resolve: (m) => m.media as never }),
    location: t.field({ type: LocationRef, nullable: true, resolve: (m) => m.location as never }),
    sentBy: t.exposeString('sentBy', { nullable: true, description: 'Who replied (the token\'s name).' }),
    notification: t.field({
      type: Notification,
      nullable: true,
      description: 'Ours: the notification, with its status, attempts and receipts.',
      resolve: (m, _args, ctx) => (m.notificationId === null ? null : findNotification(ctx.services.db, m.notificationId)),
    }),
  }),
});

const ConversationRef = builder.objectRef<ConversationRow>('Conversation').implement({
  description: 'Everything one number wrote to the clinic, and what was sent to it on WhatsApp and SMS.',
  fields: (t) => ({
    id: t.exposeID('conversation_id', { description: 'The keyed hash of the number: never the number itself.' }),
    contact: t.string({
      description: 'The number. Masked (+91******3210) for dashboard tokens.',
      resolve: (c, _args, ctx) => (seesContacts(ctx) ? c.address : maskAddress(c.address)),
    }),
    centreId: t.exposeString('centre_id', { nullable: true, description: 'The centre of the last notification sent to the number; null when none was.' }),
    patients: t.field({
      type: [ConversationPatientRef],
      resolve: async (c, _args, ctx) => opened(ctx, await patientsOfConversations(ctx.services.db, [c.conversation_id])),
    }),
    window: t.field({ type: ConversationWindowRef, resolve: (c, _args, ctx) => ({ closesAt: c.window_closes_at, now: ctx.services.clock.now() }) }),
    lastMessageAt: t.field({ type: 'DateTime', resolve: (c) => c.last_message_at }),
    inboundMessages: t.exposeInt('inbound_messages'),
    replies: t.exposeInt('replies'),
    messages: t.field({
      type: [ConversationMessageRef],
      description: `The latest messages, oldest first (at most ${MAX_MESSAGES}).`,
      args: { last: t.arg.int({ defaultValue: 50 }) },
      resolve: async (c, args, ctx) => {
        const last = args.last ?? 50;
        if (!Number.isInteger(last) || last < 1 || last > MAX_MESSAGES) throw badInput(`last must be between 1 and ${MAX_MESSAGES}`);
        return opened(ctx, await threadOf(ctx.services.db, ctx.services.store, c, last));
      },
    }),
  }),
});

const ConversationFilter = builder.inputType('ConversationFilter', {
  fields: (t) => ({
    centreId: t.string(),
    windowOpen: t.boolean({ description: 'Only those whose window is open (true) or closed (false) now.' }),
  }),
});

builder.queryFields((t) => ({
  conversations: t.field({
    type: [ConversationRef],
    description: `Conversations, the latest message first (at most ${MAX_CONVERSATIONS}); a front desk sees its centres'.`,
    authScopes: conversationReaders,
    args: { filter: t.arg({ type: ConversationFilter }), first: t.arg.int({ defaultValue: 50 }) },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 50;
      if (!Number.isInteger(first) || first < 1 || first > MAX_CONVERSATIONS) throw badInput(`first must be between 1 and ${MAX_CONVERSATIONS}`);
      return opened(ctx, await listConversations(ctx.services.db, {
        centres: centresOf(ctx.caller),
        centreId: args.filter?.centreId ?? null,
        windowOpen: args.filter?.windowOpen ?? null,
        now: ctx.services.clock.now(),
      }, first));
    },
  }),
  conversation: t.field({
    type: ConversationRef,
    nullable: true,
    description: "A patient's conversation, found through the numbers events named for them.",
    authScopes: conversationReaders,
    args: { patientId: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const conversation = await conversationOfPatient(ctx.services.db, args.patientId);
      return conversation && visibleTo(ctx, conversation) ? opened(ctx, conversation) : null;
    },
  }),
}));

const ReplySentRef = builder.objectRef<{ notificationId: string; conversationId: string; created: boolean }>('ReplySent').implement({
  description: 'The reply is recorded and on its way; follow its notification for sent, delivered and read.',
  fields: (t) => ({
    notificationId: t.exposeID('notificationId'),
    created: t.exposeBoolean('created', { description: 'False when this idempotency key had already sent it: nothing more was sent.' }),
    notification: t.field({ type: Notification, nullable: true, resolve: (r, _args, ctx) => findNotification(ctx.services.db, r.notificationId) }),
    conversation: t.field({ type: ConversationRef, nullable: true, resolve: async (r, _args, ctx) => opened(ctx, await findConversation(ctx.services.db, r.conversationId)) }),
  }),
});

builder.objectType(WindowClosed, {
  name: 'WindowClosed',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    closedAt: t.field({ type: 'DateTime', nullable: true, description: 'Null when the patient never wrote on WhatsApp.', resolve: (e) => e.closedAt }),
  }),
});

builder.mutationField('replyToPatient', (t) =>
  t.field({
    type: ReplySentRef,
    description: "A free-form WhatsApp text in the patient's conversation, inside their 24-hour window. The same idempotencyKey sends once.",
    authScopes: repliers,
    errors: { types: [ValidationError, NotFoundError, WindowClosed] },
    args: {
      patientId: t.arg.string({ required: true }),
      text: t.arg.string({ required: true }),
      idempotencyKey: t.arg.string({ required: true, description: 'Any string unique to this reply (a UUID): a retried call with it sends nothing more.' }),
    },
    resolve: async (_root, args, ctx) => {
      const conversation = await conversationOfPatient(ctx.services.db, args.patientId);
      // A front desk asking about another centre's patient learns nothing more than "not found".
      if (!conversation || !visibleTo(ctx, conversation)) throw new NotFoundError('conversation for patient', args.patientId);
      const lastInbound = await ctx.services.db.selectFrom('conversation_messages').select('message_id')
        .where('conversation_id', '=', conversation.conversation_id).where('direction', '=', 'in')
        .orderBy('at', 'desc').limit(1).executeTakeFirst();
      // The number as the read model keeps it (sealed): the command opens it as it decides.
      const result = await replyToPatient(ctx.services, {
        conversationId: conversation.conversation_id,
        address: conversation.address,
        centreId: conversation.centre_id,
        windowClosesAt: conversation.window_closes_at,
        causeEventId: lastInbound ? patientRepliedEventId(lastInbound.message_id) : conversation.conversation_id,
      }, { patientId: args.patientId, text: args.text, idempotencyKey: args.idempotencyKey, actor: actorOf(ctx), locale: 'en' });
      if (!result.ok) {
        if (result.error.kind === 'invalid-input') throw new ValidationError('invalid-input', result.error.issues);
        // The number was erased with its person: there is no one left to answer in this conversation.
        if (result.error.kind === 'contact-erased') throw new NotFoundError('conversation for patient', args.patientId);
        throw new WindowClosed(result.error.closedAt);
      }
      return { notificationId: result.value.planned.notificationId, conversationId: conversation.conversation_id, created: result.value.created };
    },
  }),
);

builder.subscriptionField('conversationUpdated', (t) =>
  t.field({
    type: ConversationRef,
    description: 'A conversation as it changes (a message in, a reply out, the window moved); a front desk hears its centres\'.',
    authScopes: conversationReaders,
    args: { centreId: t.arg.string() },
    subscribe: (_root, args, ctx) => {
      const hub = ctx.services.conversations;
      if (!hub) throw new GraphQLError('Live conversations are not available on this server');
      return visibleChanges(ctx, hub.changes(), args.centreId ?? null);
    },
    resolve: (conversation: ConversationRow) => conversation,
  }),
);

async function* visibleChanges(ctx: GraphqlContext, ids: AsyncGenerator<string>, centreId: string | null): AsyncGenerator<ConversationRow> {
  for await (const id of ids) {
    const conversation = await findConversation(ctx.services.db, id);
    if (!conversation || !visibleTo(ctx, conversation)) continue;
    if (centreId !== null && conversation.centre_id !== centreId) continue;
    yield await opened(ctx, conversation);
  }
}
