import { syncWhatsAppTemplates, type WhatsAppTemplateLister } from '../../commands/templates/record-whatsapp-template-state.ts';
import { publishTemplateVersion, retireTemplate } from '../../commands/templates/template-commands.ts';
import type { CommandConflict } from '../../commands/handle-command.ts';
import { approvalOf, whatsAppTemplateId } from '../../domain/templates/choose-template.ts';
import type { RenderedMessage } from '../../domain/templates/rendered-message.ts';
import type { TemplateContent } from '../../domain/templates/template-content.ts';
import type { ObservedWhatsAppTemplate, TemplateApprovalState } from '../../domain/templates/template-events.ts';
import { templateKeyOf, type TemplateRejection } from '../../domain/templates/template-stream.ts';
import { formatPosition } from '../../ledger/event-store.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { actorOf, type GraphqlContext } from '../context.ts';
import { listTemplates } from '../queries/templates.queries.ts';
import { ErrorInterface, NotFoundError, StateConflictError } from './errors.ts';
import { InputRejected } from './input-rejected.ts';
import { inputFieldOf, RenderedMessageRef, TemplateContentInput, toInputPath, toTemplateContent } from './template-content.ts';
import { TemplateApprovalStateEnum } from './templates.ts';

/** The WhatsApp provider could not be asked: it is not configured here, or it did not answer. Nothing was recorded. */
export class ProviderUnavailableError extends Error {
  override readonly name = 'ProviderUnavailableError';
  constructor(
    /** `not-configured` or `provider-unavailable`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

builder.objectType(ProviderUnavailableError, {
  name: 'ProviderUnavailableError',
  interfaces: [ErrorInterface],
  fields: (t) => ({ reason: t.exposeString('reason', { description: '`not-configured` or `provider-unavailable`.' }) }),
});

interface PublishedAnswer {
  key: string;
  version: number;
  created: boolean;
  smsSegments: number | null;
  sample: RenderedMessage;
}

const PublishedRef = builder.objectRef<PublishedAnswer>('PublishedTemplateVersion').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version', { description: 'The new version; the current one when nothing was created.' }),
    created: t.exposeBoolean('created', { description: 'False: the content equals the current version, and nothing was recorded.' }),
    smsSegments: t.exposeInt('smsSegments', { nullable: true, description: 'SMS only: the segments of the sample render.' }),
    sample: t.field({ type: RenderedMessageRef, description: 'The event type\'s example payload, rendered.', resolve: (p) => p.sample }),
  }),
});

const RetiredRef = builder.objectRef<{ key: string; version: number }>('RetiredTemplate').implement({
  fields: (t) => ({ key: t.exposeString('key'), version: t.exposeInt('version', { description: 'The version that was current.' }) }),
});

interface MappedState {
  key: string;
  version: number;
  name: string;
  language: string;
  state: TemplateApprovalState;
}

const MappedStateRef = builder.objectRef<MappedState>('MappedWhatsAppTemplate').implement({
  description: 'A current WhatsApp version and its state in the snapshot just taken.',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version'),
    name: t.exposeString('name'),
    language: t.exposeString('language'),
    state: t.field({ type: TemplateApprovalStateEnum, resolve: (m) => m.state }),
  }),
});

const SyncedRef = builder.objectRef<{ templates: number; observedAt: string; position: string; mapped: MappedState[] }>('WhatsAppTemplatesSynced').implement({
  fields: (t) => ({
    templates: t.exposeInt('templates', { description: 'How many templates the account has at the provider.' }),
    observedAt: t.field({ type: 'DateTime', resolve: (s) => s.observedAt }),
    position: t.exposeString('position', { description: 'The ledger position of WhatsAppTemplatesObserved.' }),
    mapped: t.field({ type: [MappedStateRef], resolve: (s) => s.mapped }),
  }),
});

const PublishInput = builder.inputType('PublishTemplateVersionInput', {
  fields: (t) => ({
    key: t.string({ required: true, description: '`<eventType>:<channel>:<locale>[@<centreId>]`; a new locale or centre is a new key.' }),
    content: t.field({ type: TemplateContentInput, required: true }),
    note: t.string({ description: 'Why, for the history.' }),
    expectedVersion: t.int({ description: 'Refuse if the current version is another (0 for a new key).' }),
  }),
});

function toGraphqlError(e: TemplateRejection | CommandConflict, channel?: TemplateContent['channel']): Error {
  switch (e.kind) {
    case 'invalid-key':
      return new InputRejected([{ field: 'key', code: 'invalid-key', message: e.message }]);
    case 'invalid-template':
      return new InputRejected(e.issues.map((i) => ({ field: channel ? toInputPath(i.path, channel) : i.path, code: 'invalid-template', message: i.message })));
    case 'version-conflict':
      return new StateConflictError('version-conflict', `the template is at version ${e.currentVersion}, not ${e.expectedVersion}; read it again`);
    case 'template-not-found':
      return new NotFoundError('template', e.key);
    case 'conflict':
      return new StateConflictError('version-conflict', 'the template changed while this was recorded; read it again');
  }
}

const deps = (ctx: GraphqlContext) => ({ store: ctx.services.store, clock: ctx.services.clock });

/**
 * Asks the provider, records what it said, and judges every current WhatsApp version by that list
 * (refusals before it are superseded by it, so none apply).
 */
async function syncNow(ctx: GraphqlContext, lister: WhatsAppTemplateLister) {
  const synced = await syncWhatsAppTemplates({ ...deps(ctx), list: lister }, actorOf(ctx));
  if (!synced.ok) throw new ProviderUnavailableError('provider-unavailable', `360dialog answered ${synced.error.code}: ${synced.error.message}`);
  const { templates, position, observedAt } = synced.value;
  const observed = new Map<string, ObservedWhatsAppTemplate>(templates.map((o) => [whatsAppTemplateId(o.name, o.language), o]));
  const current = await listTemplates(ctx.services.db, { channel: 'whatsapp' });
  const mapped = current.flatMap((t): MappedState[] =>
    t.retired || t.content?.channel !== 'whatsapp'
      ? []
      : [{ key: t.key, version: t.version, name: t.content.name, language: t.content.language, state: approvalOf(t.content, { observed, refused: new Map() }) }]);
  return { templates: templates.length, observedAt, position: formatPosition(position), mapped };
}

builder.mutationFields((t) => ({
  publishTemplateVersion: t.field({
    type: PublishedRef,
    description: 'Validates and records a new version; an invalid template records nothing and names each field.',
    authScopes: admins,
    errors: { types: [InputRejected, StateConflictError] },
    args: { input: t.arg({ type: PublishInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const key = templateKeyOf(input.key);
      if (!key.ok) throw toGraphqlError(key.error);
      const content = toTemplateContent(input.content);
      if (!content.ok) throw new InputRejected(content.error);
      if (content.value.channel !== key.value.channel) {
        throw new InputRejected([{ field: inputFieldOf(content.value.channel), code: 'wrong-channel', message: `the key is for ${key.value.channel}` }]);
      }
      const result = await publishTemplateVersion(deps(ctx), {
        key: key.value,
        content: content.value,
        actor: actorOf(ctx),
        ...(input.note ? { note: input.note } : {}),
        expectedVersion: input.expectedVersion ?? null,
      });
      if (!result.ok) throw toGraphqlError(result.error, content.value.channel);
      const { check, ...published } = result.value;
      return { ...published, smsSegments: check.smsSegments ?? null, sample: check.sample };
    },
  }),
  retireTemplate: t.field({
    type: RetiredRef,
    description: 'Planning passes over the key to the next candidate (the default, then English) until a version is published again.',
    authScopes: admins,
    errors: { types: [InputRejected, NotFoundError, StateConflictError] },
    args: { key: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const result = await retireTemplate(deps(ctx), { key: args.key, actor: actorOf(ctx) });
      if (!result.ok) throw toGraphqlError(result.error);
      return result.value;
    },
  }),
  syncWhatsAppTemplates: t.field({
    type: SyncedRef,
    description: 'Reads the account\'s templates at 360dialog now, records them, and shows each mapped version\'s state.',
    authScopes: admins,
    errors: { types: [ProviderUnavailableError] },
    resolve: async (_root, _args, ctx) => {
      const lister = ctx.services.whatsappTemplates;
      if (!lister) throw new ProviderUnavailableError('not-configured', '360dialog is not configured on this server: there is no WhatsApp provider to sync with');
      return syncNow(ctx, lister);
    },
  }),
}));
