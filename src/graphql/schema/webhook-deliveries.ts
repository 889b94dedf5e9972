import { requestWebhookDeliveriesReplay } from '../../commands/webhooks/webhook-endpoint-commands.ts';
import { WEBHOOK_ATTEMPT_OUTCOMES, WEBHOOK_DELIVERY_STATUSES } from '../../domain/webhooks/webhook-delivery-events.ts';
import type { WebhookEndpoint } from '../../domain/webhooks/webhook-endpoint.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import {
  countDeliveriesSince,
  listDeliveries,
  openWebhookBodies,
  type WebhookDeliveryAttemptView,
  type WebhookDeliveryView,
} from '../../projections/webhooks/webhook-deliveries.queries.ts';
import { loadWebhookEndpoints } from '../../projections/webhooks/webhook-endpoints.queries.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf } from '../context.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { WebhookEndpointRef } from './webhook-endpoints.ts';

const DEFAULT_DELIVERIES = 50;
const MAX_DELIVERIES = 500;

const WebhookDeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: '`pending`: to be sent, or to be tried again; `delivered`: a 2xx came back; `failed`: its attempts ran out, or the endpoint answered 410.',
  values: WEBHOOK_DELIVERY_STATUSES,
});

const WebhookAttemptOutcomeEnum = builder.enumType('WebhookAttemptOutcome', {
  description: '`delivered` (2xx), `retrying` (any other answer, a timeout or a connection error; tried again), `refused` (the address guard refused the target: nothing was sent), `gone` (410: the endpoint is disabled), `failed` (no attempt left in this round).',
  values: WEBHOOK_ATTEMPT_OUTCOMES,
});

const WebhookDeliveryAttemptRef = builder.objectRef<WebhookDeliveryAttemptView>('WebhookDeliveryAttempt').implement({
  description: 'One attempt at a message, as the ledger records it.',
  fields: (t) => ({
    attempt: t.exposeInt('attempt', { description: '1 for the first; numbering carries on across replays.' }),
    at: t.field({ type: 'DateTime', resolve: (a) => a.at }),
    outcome: t.field({ type: WebhookAttemptOutcomeEnum, resolve: (a) => a.outcome }),
    httpStatus: t.exposeInt('httpStatus', { nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'Without an HTTP status: the refusal, the timeout, the connection error.' }),
    latencyMs: t.exposeInt('latencyMs'),
    responseBody: t.exposeString('responseBody', { nullable: true, description: 'The first 1 KiB of the answer.' }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (a) => a.nextAttemptAt }),
  }),
});

const WebhookDeliveryRef = builder.objectRef<WebhookDeliveryView>('WebhookDelivery').implement({
  description: 'One message to one endpoint: the same `webhook-id` on every attempt and every replay.',
  fields: (t) => ({
    webhookId: t.exposeID('messageId', { description: 'The `webhook-id` header: receivers dedupe on it.' }),
    endpointId: t.exposeID('endpointId'),
    kind: t.exposeString('kind'),
    sourceEventId: t.exposeString('sourceEventId', { description: 'The ledger event it reports.' }),
    status: t.field({ type: WebhookDeliveryStatusEnum, resolve: (d) => d.status }),
    eventAt: t.field({ type: 'DateTime', description: 'When the event behind it happened (what `replayWebhookDeliveries(from)` compares).', resolve: (d) => d.eventAt }),
    payload: t.field({ type: 'JSON', description: 'The body, as sent (contacts masked unless the endpoint has includeContacts).', resolve: (d) => JSON.parse(d.body) as unknown }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, description: 'While pending: when it is tried next (null: at once, or once the endpoint is enabled).', resolve: (d) => d.nextAttemptAt }),
    attempts: t.field({ type: [WebhookDeliveryAttemptRef], resolve: (d) => d.attempts }),
  }),
});

interface DeliveryList {
  endpoint: WebhookEndpoint;
  deliveries: WebhookDeliveryView[];
}

// The list is `nodes`, as in a connection: the page's `first` counts its items (and the cost estimate reads it so).
const WebhookDeliveryListRef = builder.objectRef<DeliveryList>('WebhookDeliveryList').implement({
  description: 'A page of one endpoint\'s messages.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (l) => l.endpoint }),
    nodes: t.field({ type: [WebhookDeliveryRef], description: 'Newest event first.', resolve: (l) => l.deliveries }),
  }),
});

interface Replayed {
  endpointId: string;
  from: string;
  queued: number;
  position: string;
}

const WebhookDeliveriesReplayedRef = builder.objectRef<Replayed>('WebhookDeliveriesReplayed').implement({
  description: 'The replay is recorded; the messages go out again with their own webhook-ids, each with a new round of attempts.',
  fields: (t) => ({
    endpointId: t.exposeID('endpointId'),
    from: t.field({ type: 'DateTime', resolve: (r) => r.from }),
    queued: t.exposeInt('queued', { description: 'How many messages are sent again, as the deliveries stood when asked.' }),
    position: t.exposeString('position', { description: 'The ledger position of the request.' }),
  }),
});

const endpointNamed = async (db: Parameters<typeof loadWebhookEndpoints>[0], id: string) => (await loadWebhookEndpoints(db, [id]))[0] ?? null;

builder.queryField('webhookDeliveries', (t) =>
  t.field({
    type: WebhookDeliveryListRef,
    description: `An endpoint's messages, newest event first, each with its attempts; ${DEFAULT_DELIVERIES} unless \`first\` says otherwise (at most ${MAX_DELIVERIES}).`,
    authScopes: admins,
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      endpointId: t.arg.id({ required: true }),
      first: t.arg.int(),
      status: t.arg({ type: WebhookDeliveryStatusEnum }),
    },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? DEFAULT_DELIVERIES;
      if (!Number.isInteger(first) || first < 1 || first > MAX_DELIVERIES) throw new ValidationError('invalid-input', [{ path: 'first', message: `must be between 1 and ${MAX_DELIVERIES}` }]);
      const endpoint = await endpointNamed(ctx.services.db, String(args.endpointId));
      if (!endpoint) throw new NotFoundError('webhook endpoint', String(args.endpointId));
      const deliveries = await listDeliveries(ctx.services.db, endpoint.endpointId, { first, status: args.status ?? null });
      // Bodies keep personal data sealed: shown as the endpoint gets them.
      const bodies = await openWebhookBodies(ctx.services.cells, deliveries.map((d) => d.body), endpoint.includeContacts);
      return { endpoint, deliveries: deliveries.map((d, i) => ({ ...d, body: bodies[i]! })) };
    },
  }),
);

builder.mutationField('replayWebhookDeliveries', (t) =>
  t.field({
    type: WebhookDeliveriesReplayedRef,
    description: 'Sends again every message to the endpoint whose event happened at or after `from`, keeping each one\'s webhook-id. A disabled endpoint\'s messages wait until it is enabled.',
    authScopes: admins,
    errors: { types: [NotFoundError, ValidationError] },
    args: {
      endpointId: t.arg.id({ required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
    },
    resolve: async (_root, args, ctx) => {
      const id = String(args.endpointId);
      const result = await requestWebhookDeliveriesReplay({ store: ctx.services.store, clock: ctx.services.clock }, id, args.from, actorOf(ctx));
      if (!result.ok) throw result.error.kind === 'not-found' ? new NotFoundError('webhook endpoint', id) : new ValidationError('invalid-input', result.error.issues);
      return { endpointId: id, from: result.value.from, queued: await countDeliveriesSince(ctx.services.db, id, new Date(result.value.from)), position: formatPosition(result.value.position) };
    },
  }),
);
