import { streamNameProblem, type StreamName } from '../../domain/stream-name.ts';
import { formatPosition, type EventStore, type RecordedEvent } from '../../ledger/event-store.ts';
import { auditors } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { badInput, MAX_PAGE_SIZE } from './notification.ts';

const LedgerEntry = builder.objectRef<RecordedEvent>('LedgerEntry').implement({
  description: 'One event exactly as the ledger holds it.',
  fields: (t) => ({
    id: t.exposeID('id'),
    stream: t.exposeString('stream'),
    revision: t.int({ resolve: (e) => Number(e.revision) }),
    globalPosition: t.string({ description: 'Opaque and comparable within one ledger.', resolve: (e) => formatPosition(e.position) }),
    type: t.exposeString('type'),
    data: t.field({ type: 'JSON', resolve: (e) => e.data }),
    metadata: t.field({ type: 'JSON', description: 'correlationId, causationId, occurredAt, actor.', resolve: (e) => e.metadata }),
    recordedAt: t.field({ type: 'DateTime', resolve: (e) => e.recordedAt }),
  }),
});

builder.queryField('ledger', (t) =>
  t.field({
    type: [LedgerEntry],
    description: `Raw entries of one stream (\`inbound-<eventId>\`, \`notification-<id>\`, ...) in order, at most ${MAX_PAGE_SIZE} at a time.`,
    authScopes: auditors,
    args: {
      stream: t.arg.string({ required: true }),
      fromRevision: t.arg.int({ defaultValue: 0, validate: { min: 0 } }),
      limit: t.arg.int({ defaultValue: 100, validate: { min: 1, max: MAX_PAGE_SIZE } }),
    },
    resolve: (_root, args, ctx) => {
      const problem = streamNameProblem(args.stream);
      if (problem) throw badInput(`stream: ${problem}`);
      return readStreamPage(ctx.services.store, args.stream as StreamName, BigInt(args.fromRevision ?? 0), args.limit ?? 100);
    },
  }),
);

async function readStreamPage(store: EventStore, stream: StreamName, fromRevision: bigint, limit: number): Promise<RecordedEvent[]> {
  const page: RecordedEvent[] = [];
  for await (const event of store.readStream(stream, fromRevision)) {
    page.push(event);
    if (page.length >= limit) break;
  }
  return page;
}
