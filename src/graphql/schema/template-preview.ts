import { INBOUND_RECEIVED, type InboundEventReceived } from '../../domain/intake/inbound-receipt.ts';
import { EXAMPLE_PAYLOADS } from '../../domain/intake/example-payloads.ts';
import { PAYLOAD_SCHEMAS, type EventType, type PayloadOf } from '../../domain/event-catalogue.ts';
import type { InputIssue } from '../../domain/input-issue.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { renderContent } from '../../domain/templates/render-content.ts';
import type { RenderedMessage } from '../../domain/templates/rendered-message.ts';
import { formatTemplateKey, type TemplateContent, type TemplateKey } from '../../domain/templates/template-content.ts';
import { templateKeyOf } from '../../domain/templates/template-stream.ts';
import { templateLocale, templateVariables, type RecipientContext, type TemplateVariables } from '../../domain/templates/template-variables.ts';
import { readStreamToArray, type EventStore } from '../../ledger/event-store.ts';
import { admins } from '../auth-scopes.ts';
import { builder } from '../builder.ts';
import { findTemplate } from '../queries/templates.queries.ts';
import { NotFoundError } from './errors.ts';
import { InputRejected } from './input-rejected.ts';
import { RenderedMessageRef, TemplateContentInput, toTemplateContent } from './template-content.ts';

type SampleSource = 'example' | 'event' | 'payload';

/**
 * The variables of a sample, built as planning builds them for a recipient of the key's locale.
 * Messages about one entry of a list (an emergency leave's affected appointment, a queue's token)
 * take its first entry.
 */
export function sampleVariables(key: TemplateKey, data: unknown, field: string): Result<TemplateVariables, InputIssue[]> {
  const parsed = PAYLOAD_SCHEMAS[key.eventType].safeParse(data);
  if (!parsed.success) {
    return err(parsed.error.issues.map((i) => ({ field: [field, ...i.path].join('.'), code: 'invalid-payload', message: i.message })));
  }
  const payload = parsed.data as PayloadOf<EventType>;
  const ctx: RecipientContext = { locale: key.locale, templateLocale: templateLocale(key.locale) };
  const first = payload as { affected?: { appointment: { id: string } }[]; tokens?: { number: string }[] };
  if (key.eventType === 'doctor.emergency_leave' && first.affected?.[0]) ctx.appointmentId = first.affected[0].appointment.id;
  if (key.eventType === 'walkin.queue_updated' && first.tokens?.[0]) ctx.tokenNumber = first.tokens[0].number;
  return ok(templateVariables(key.eventType, payload, ctx));
}

/** The current version rendered with its event type's example payload: what the Templates page previews. */
export function renderExample(key: TemplateKey, content: TemplateContent): Result<RenderedMessage, { message: string }> {
  const variables = sampleVariables(key, EXAMPLE_PAYLOADS[key.eventType], 'example');
  if (!variables.ok) return err({ message: `the example payload does not parse: ${variables.error.map((i) => `${i.field}: ${i.message}`).join('; ')}` });
  return renderContent(formatTemplateKey(key), content, variables.value);
}

async function recordedEvent(store: EventStore, eventId: string): Promise<InboundEventReceived | null> {
  const events = await readStreamToArray(store, streamName.inbound(eventId));
  const first = events.find((e) => e.type === INBOUND_RECEIVED);
  return first ? (first.data as InboundEventReceived) : null;
}

interface Preview {
  key: string;
  version: number | null;
  sample: SampleSource;
  variables: TemplateVariables;
  message: RenderedMessage;
}

const PreviewRef = builder.objectRef<Preview>('TemplatePreview').implement({
  description: 'A template rendered without sending: the words, and for WhatsApp the parameters as they would go out.',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version', { nullable: true, description: 'The version rendered; null for a draft.' }),
    sample: t.exposeString('sample', { description: '`example` (the event type\'s example payload), `event` (a recorded event) or `payload`.' }),
    variables: t.field({ type: 'JSON', description: 'The variables the template saw, by name.', resolve: (p) => p.variables }),
    message: t.field({ type: RenderedMessageRef, resolve: (p) => p.message }),
  }),
});

const SampleInput = builder.inputType('TemplateSampleInput', {
  description: 'At most one; neither: the event type\'s example payload.',
  fields: (t) => ({
    eventId: t.string({ description: 'An inbound event in the ledger, of the key\'s event type.' }),
    payload: t.field({ type: 'JSON', description: 'A data payload, checked against the event type\'s schema.' }),
  }),
});

const rejected = (field: string, code: string, message: string) => new InputRejected([{ field, code, message }]);

builder.queryField('previewTemplate', (t) =>
  t.field({
    type: PreviewRef,
    description: 'Renders a key\'s current version, or a draft for it, with a sample; nothing is sent or recorded.',
    authScopes: admins,
    errors: { types: [InputRejected, NotFoundError] },
    args: {
      key: t.arg.string({ required: true, description: '`<eventType>:<channel>:<locale>[@<centreId>]`.' }),
      draft: t.arg({ type: TemplateContentInput, description: 'Content to render instead of the current version.' }),
      sample: t.arg({ type: SampleInput }),
    },
    resolve: async (_root, args, ctx) => {
      const key = templateKeyOf(args.key);
      if (!key.ok) throw rejected('key', 'invalid-key', key.error.message);
      let content: TemplateContent;
      let version: number | null = null;
      if (args.draft) {
        const draft = toTemplateContent(args.draft);
        if (!draft.ok) throw new InputRejected(draft.error.map((i) => ({ ...i, field: i.field.replace(/^content/, 'draft') })));
        content = draft.value;
      } else {
        const current = await findTemplate(ctx.services.db, args.key);
        if (!current?.content) throw new NotFoundError('template', args.key);
        content = current.content;
        version = current.version;
      }
      if (content.channel !== key.value.channel) throw rejected('draft', 'wrong-channel', `the key is for ${key.value.channel}, the draft for ${content.channel}`);

      const { eventId, payload } = args.sample ?? {};
      if (eventId && payload != null) throw rejected('sample', 'one-sample', 'give an eventId or a payload, not both');
      let data: unknown = EXAMPLE_PAYLOADS[key.value.eventType];
      let sample: SampleSource = 'example';
      if (eventId) {
        const event = await recordedEvent(ctx.services.store, eventId);
        if (!event) throw new NotFoundError('inbound event', eventId);
        if (event.type !== key.value.eventType) throw rejected('sample.eventId', 'wrong-event-type', `the event is a ${event.type}, the template is for ${key.value.eventType}`);
        data = event.data;
        sample = 'event';
      } else if (payload != null) {
        data = payload;
        sample = 'payload';
      }
      const variables = sampleVariables(key.value, data, sample === 'payload' ? 'sample.payload' : 'sample');
      if (!variables.ok) throw new InputRejected(variables.error);
      const rendered = renderContent(args.key, content, variables.value);
      if (!rendered.ok) throw rejected(args.draft ? 'draft' : 'key', rendered.error.kind, rendered.error.message);
      return { key: args.key, version, sample, variables: variables.value, message: rendered.value };
    },
  }),
);
