import { GraphQLError } from 'graphql';
import { isEventType, type Channel } from '../../domain/event-catalogue.ts';
import { templateVariableCatalogue } from '../../domain/templates/template-variable-catalogue.ts';
import { parseTemplateKey, type TemplateKey } from '../../domain/templates/template-content.ts';
import { TEMPLATE_APPROVAL_STATES, WHATSAPP_TEMPLATE_STATUSES, type ObservedWhatsAppTemplate } from '../../domain/templates/template-events.ts';
import { readers } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { findTemplate, listTemplates, templateChanges, whatsAppSnapshot, type TemplateChangeView, type TemplateListing, type WhatsAppSnapshot } from '../queries/templates.queries.ts';
import { ChannelEnum } from './enums.ts';
import { TemplateContentRef, RenderedMessageRef } from './template-content.ts';
import { renderExample } from './template-preview.ts';

export const TemplateApprovalStateEnum = builder.enumType('TemplateApprovalState', {
  values: TEMPLATE_APPROVAL_STATES,
  description: 'A WhatsApp version\'s state at the provider. `unknown`: never synced (sent as is); only `approved` and `unknown` are sent.',
});
const TemplateChangeKindEnum = builder.enumType('TemplateChangeKind', { values: ['published', 'retired'] as const });
const WhatsAppTemplateStatusEnum = builder.enumType('WhatsAppTemplateStatus', { values: WHATSAPP_TEMPLATE_STATUSES });

const TemplateChangeRef = builder.objectRef<TemplateChangeView>('TemplateChange').implement({
  description: 'One entry of a template\'s history: a version published, or the key retired.',
  fields: (t) => ({
    version: t.exposeInt('version', { description: 'The version published, or the one that was current when retired.' }),
    kind: t.field({ type: TemplateChangeKindEnum, resolve: (c) => c.kind }),
    actor: t.exposeString('actor', { description: 'An admin token\'s name, or `system` for the versions we ship.' }),
    at: t.field({ type: 'DateTime', resolve: (c) => c.at }),
    position: t.exposeString('position', { description: 'Its ledger position.' }),
    content: t.field({ type: TemplateContentRef, nullable: true, description: 'A published version\'s content; null on a retirement.', resolve: (c) => c.content }),
  }),
});

const keyOf = (t: TemplateListing): TemplateKey | null => {
  const parsed = parseTemplateKey(t.key);
  return parsed.ok && isEventType(parsed.key.eventType) ? { ...parsed.key, eventType: parsed.key.eventType } : null;
};

// `sample` and `sampleError` come from one render per template and request.
const samples = new WeakMap<TemplateListing, ReturnType<typeof renderExample> | null>();
function sampleOf(t: TemplateListing): ReturnType<typeof renderExample> | null {
  if (!samples.has(t)) {
    const key = keyOf(t);
    samples.set(t, key && t.content ? renderExample(key, t.content) : null);
  }
  return samples.get(t) ?? null;
}

export const TemplateRef = builder.objectRef<TemplateListing>('Template').implement({
  description: 'A template key: what it is for, its current version and content, its state at WhatsApp, and its history.',
  fields: (t) => ({
    key: t.exposeString('key', { description: '`<eventType>:<channel>:<locale>`, with `@<centreId>` for one centre\'s own.' }),
    eventType: t.exposeString('eventType'),
    channel: t.field({ type: ChannelEnum, resolve: (x) => x.channel as Channel }),
    locale: t.exposeString('locale'),
    centreId: t.exposeString('centreId', { nullable: true, description: 'Set for one centre\'s own template; null for the default.' }),
    version: t.exposeInt('version', { description: 'The current version (the last one, when retired).' }),
    retired: t.exposeBoolean('retired', { description: 'Planning passes over a retired key to the next candidate.' }),
    shippedOnly: t.exposeBoolean('shippedOnly', { description: 'A default we ship, not yet installed in the ledger: planning uses its version 1.' }),
    approval: t.field({ type: TemplateApprovalStateEnum, nullable: true, description: 'WhatsApp only.', resolve: (x) => x.approval }),
    content: t.field({ type: TemplateContentRef, nullable: true, resolve: (x) => x.content }),
    sample: t.field({
      type: RenderedMessageRef,
      nullable: true,
      description: 'The current version rendered with the event type\'s example payload; null when it does not render (see sampleError).',
      resolve: (x) => {
        const sample = sampleOf(x);
        return sample?.ok ? sample.value : null;
      },
    }),
    sampleError: t.string({ nullable: true, resolve: (x) => {
      const sample = sampleOf(x);
      return sample && !sample.ok ? sample.error.message : null;
    } }),
    history: t.field({ type: [TemplateChangeRef], description: 'Every change, oldest first.', resolve: (x, _args, ctx) => templateChanges(ctx.services.db, x.key) }),
  }),
});

const TemplateVariableRef = builder.objectRef<{ name: string; description: string; optional: boolean }>('TemplateVariable').implement({
  description: 'A variable templates of an event type may use, e.g. `{{ patientName }}`.',
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    optional: t.exposeBoolean('optional', { description: 'Absent from some events: a template using it needs a fallback (`{{ doctor | default: "your doctor" }}`).' }),
  }),
});

const ObservedTemplateRef = builder.objectRef<ObservedWhatsAppTemplate>('ObservedWhatsAppTemplate').implement({
  description: 'One template of the WhatsApp account as the provider listed it.',
  fields: (t) => ({
    name: t.exposeString('name'),
    language: t.exposeString('language'),
    status: t.field({ type: WhatsAppTemplateStatusEnum, resolve: (o) => o.status }),
    category: t.exposeString('category'),
    body: t.exposeString('body', { nullable: true }),
    bodyParameters: t.exposeInt('bodyParameters'),
    urlButton: t.exposeString('urlButton', { nullable: true }),
    rejectedReason: t.string({ nullable: true, resolve: (o) => o.rejectedReason ?? null }),
  }),
});

const RefusalRef = builder.objectRef<WhatsAppSnapshot['head']['refusals'][number]>('WhatsAppTemplateRefusal').implement({
  description: 'A send the provider refused for a reason that is the template\'s.',
  fields: (t) => ({
    name: t.exposeString('name'),
    language: t.exposeString('language'),
    state: t.field({ type: TemplateApprovalStateEnum, resolve: (r) => r.state }),
    code: t.exposeString('code'),
  }),
});

const SnapshotRef = builder.objectRef<WhatsAppSnapshot & { configured: boolean }>('WhatsAppTemplateSnapshot').implement({
  description: 'What 360dialog last said of the account\'s templates.',
  fields: (t) => ({
    configured: t.exposeBoolean('configured', { description: 'False: 360dialog is not configured here, and nothing is synced.' }),
    syncedAt: t.field({ type: 'DateTime', nullable: true, description: 'Null: never synced; every template is then `unknown` and sent.', resolve: (s) => s.head.observedAt }),
    templates: t.field({ type: [ObservedTemplateRef], resolve: (s) => s.templates }),
    refusalsSince: t.field({ type: [RefusalRef], description: 'Sends refused since the snapshot, oldest first.', resolve: (s) => s.head.refusals }),
  }),
});

const TemplateFilterInput = builder.inputType('TemplateFilter', {
  fields: (t) => ({
    eventType: t.string(),
    channel: t.field({ type: ChannelEnum }),
    locale: t.string(),
    centreId: t.string({ description: 'Only that centre\'s own templates.' }),
    approval: t.field({ type: TemplateApprovalStateEnum, description: 'Only WhatsApp templates in this state.' }),
  }),
});

builder.queryFields((t) => ({
  templates: t.field({
    type: [TemplateRef],
    description: 'Every template key, recorded or shipped, by key.',
    authScopes: readers,
    args: { filter: t.arg({ type: TemplateFilterInput }) },
    resolve: (_root, args, ctx) => listTemplates(ctx.services.db, args.filter ?? {}),
  }),
  template: t.field({
    type: TemplateRef,
    nullable: true,
    authScopes: readers,
    args: { key: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => findTemplate(ctx.services.db, args.key),
  }),
  templateVariables: t.field({
    type: [TemplateVariableRef],
    description: 'The variables templates of this event type may use.',
    authScopes: readers,
    args: { eventType: t.arg.string({ required: true }) },
    resolve: (_root, args) => {
      if (!isEventType(args.eventType)) throw new GraphQLError(`"${args.eventType}" is not an event type of the catalogue`, { extensions: { code: 'BAD_USER_INPUT' } });
      return [...templateVariableCatalogue(args.eventType)];
    },
  }),
  whatsappTemplateSnapshot: t.field({
    type: SnapshotRef,
    description: 'When the WhatsApp templates were last synced, and what the provider said.',
    authScopes: readers,
    resolve: async (_root, _args, ctx) => ({ ...(await whatsAppSnapshot(ctx.services.db)), configured: Boolean(ctx.services.whatsappTemplates) }),
  }),
}));
