import { auditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import {
  decodeInboundCursor,
  encodeInboundCursor,
  listInboundMessages,
  type InboundMessagePageRow,
} from '../queries/inbound-messages.queries.ts';
import { ChannelEnum } from './enums.ts';
import { badInput, pageSize } from './notification.ts';

const InboundMessage = builder.objectRef<InboundMessagePageRow>('InboundMessage').implement({
  description: "A patient's message to us (a reply on WhatsApp or SMS), as the provider's callback recorded it.",
  fields: (t) => ({
    id: t.exposeID('message_id'),
    channel: t.field({ type: ChannelEnum, resolve: (m) => m.channel as 'whatsapp' | 'sms' }),
    provider: t.exposeString('provider', { description: '`360dialog`, `twilio`.' }),
    receivedAt: t.field({ type: 'DateTime', resolve: (m) => m.received_at }),
    sender: t.exposeString('sender', { description: 'The number it came from (E.164).' }),
    text: t.exposeString('text', { nullable: true, description: 'As received; absent for media without a caption.' }),
    providerMessageId: t.exposeString('provider_message_id', { description: "The provider's id (wamid, MessageSid)." }),
  }),
});

builder.queryField('inboundMessages', (t) =>
  t.connection({
    type: InboundMessage,
    description: 'Replies patients sent us, newest first; `from` keeps those received at or after it. Auditors and admins only: they hold numbers and text in clear.',
    authScopes: auditors,
    args: {
      channel: t.arg({ type: ChannelEnum }),
      from: t.arg({ type: 'DateTime' }),
    },
    resolve: async (_root, args, ctx) => {
      if (args.last != null || args.before != null) throw badInput('last and before are not supported: page forward with first and after');
      const limit = pageSize(args.first);
      const after = args.after == null ? null : decodeInboundCursor(args.after);
      if (args.after != null && !after) throw badInput('after is not a cursor from this connection');
      const page = await listInboundMessages(ctx.services.db, { channel: args.channel, from: args.from }, { limit, after });
      // The sender and the words are kept sealed: opened for this answer only.
      const [rows, hasNextPage] = [await ctx.services.cells.open(page.rows), page.hasNextPage];
      const edges = rows.map((row) => ({ cursor: encodeInboundCursor(row), node: row }));
      return {
        edges,
        pageInfo: { hasNextPage, hasPreviousPage: after !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  }, { name: 'InboundMessageConnection' }, { name: 'InboundMessageEdge' }),
);
