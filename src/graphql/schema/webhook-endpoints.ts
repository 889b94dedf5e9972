import {
  createWebhookEndpoint,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  rotateWebhookSecret,
  type WebhookEndpointDeps,
} from '../../commands/webhooks/webhook-endpoint-commands.ts';
import { WEBHOOK_EVENT_KINDS, type WebhookEndpoint, type WebhookEndpointRefusal } from '../../domain/webhooks/webhook-endpoint.ts';
import { formatPosition, type LedgerPosition } from '../../ledger/event-store.ts';
import { loadWebhookEndpoints } from '../../projections/webhooks/webhook-endpoints.queries.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf, type GraphqlContext } from '../context.ts';
import { NotFoundError, ValidationError } from './errors.ts';

export const WebhookEndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description: 'A clinic system that hears outcomes, signed by Standard Webhooks. Its secret is never shown again after it was made.',
  fields: (t) => ({
    id: t.exposeID('endpointId'),
    url: t.exposeString('url'),
    eventKinds: t.exposeStringList('eventKinds', { description: WEBHOOK_EVENT_KINDS.join(', ') }),
    description: t.exposeString('description'),
    includeContacts: t.exposeBoolean('includeContacts', { description: 'Payloads carry contacts in clear; otherwise masked.' }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', { nullable: true, description: '`admin`, `gone` (it answered 410) or `failing` (24 hours without success).' }),
    signingSecrets: t.int({ description: 'How many secrets sign now: 2 during the 24 hours after a rotation.', resolve: (e, _args, ctx) => e.secrets.filter((s) => s.validUntil === null || new Date(s.validUntil) > ctx.services.clock.now()).length }),
    createdBy: t.exposeString('createdBy'),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => new Date(e.createdAt) }),
    version: t.exposeInt('version'),
  }),
});

interface WithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
  previousValidUntil: string | null;
  position: LedgerPosition;
}

const EndpointSecretRef = builder.objectRef<WithSecret>('WebhookEndpointSecret').implement({
  description: 'An endpoint with its signing secret, shown this once: store it in the receiving system now.',
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpointRef, resolve: (w) => w.endpoint }),
    secret: t.exposeString('secret', { description: '`whsec_` and base64: give it to the receiver to verify `webhook-signature`.' }),
    previousSecretValidUntil: t.field({ type: 'DateTime', nullable: true, description: 'After a rotation: until when the previous secret signs too.', resolve: (w) => (w.previousValidUntil ? new Date(w.previousValidUntil) : null) }),
    position: t.string({ resolve: (w) => formatPosition(w.position) }),
  }),
});

function deps(ctx: GraphqlContext): WebhookEndpointDeps {
  const webhooks = ctx.services.webhooks;
  if (!webhooks) throw new Error('webhook endpoints are not wired in this server');
  return { store: ctx.services.store, clock: ctx.services.clock, keys: webhooks.keys, checkTarget: webhooks.checkTarget };
}

function refused(refusal: WebhookEndpointRefusal): Error {
  return refusal.kind === 'not-found' ? new NotFoundError('webhook endpoint', refusal.endpointId) : new ValidationError('invalid-input', refusal.issues);
}

builder.queryField('webhookEndpoints', (t) =>
  t.field({
    type: [WebhookEndpointRef],
    description: 'Every webhook endpoint, oldest first.',
    authScopes: admins,
    resolve: (_root, _args, ctx) => loadWebhookEndpoints(ctx.services.db),
  }),
);

builder.mutationField('createWebhookEndpoint', (t) =>
  t.field({
    type: EndpointSecretRef,
    description: 'A new endpoint, enabled. The URL must be https and reach a public address (checked on the resolved address), unless WEBHOOK_ALLOW_PRIVATE=true.',
    authScopes: admins,
    errors: { types: [ValidationError] },
    args: {
      url: t.arg.string({ required: true }),
      eventKinds: t.arg.stringList({ required: true, description: WEBHOOK_EVENT_KINDS.join(', ') }),
      description: t.arg.string(),
      includeContacts: t.arg.boolean({ description: 'Default false: contacts are masked in payloads.' }),
    },
    resolve: async (_root, args, ctx) => {
      const result = await createWebhookEndpoint(deps(ctx), { url: args.url, eventKinds: args.eventKinds, description: args.description ?? null, includeContacts: args.includeContacts ?? null }, actorOf(ctx));
      if (!result.ok) throw refused(result.error);
      return { ...result.value, previousValidUntil: null };
    },
  }),
);

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: EndpointSecretRef,
    description: 'A new signing secret; the previous one signs too for 24 hours, so the receiver can switch without a gap.',
    authScopes: admins,
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const result = await rotateWebhookSecret(deps(ctx), String(args.id), actorOf(ctx));
      if (!result.ok) throw refused(result.error);
      return result.value;
    },
  }),
);

for (const [name, enable] of [['disableWebhookEndpoint', false], ['enableWebhookEndpoint', true]] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: WebhookEndpointRef,
      description: enable ? 'Lets deliveries go to the endpoint again.' : 'Stops deliveries to the endpoint until it is enabled again.',
      authScopes: admins,
      errors: { types: [NotFoundError] },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => {
        const id = String(args.id);
        const result = enable ? await enableWebhookEndpoint(deps(ctx), id, actorOf(ctx)) : await disableWebhookEndpoint(deps(ctx), id, 'admin', actorOf(ctx));
        if (!result.ok) throw refused(result.error);
        return result.value.endpoint;
      },
    }),
  );
}
