import type { InputIssue } from '../../domain/input-issue.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { isWhatsAppTemplate, type RenderedFor, type RenderedMessage, type WhatsAppTemplateMessage, type WhatsAppTextMessage } from '../../domain/templates/rendered-message.ts';
import {
  DLT_CATEGORIES,
  DLT_VARIABLE_TYPES,
  WHATSAPP_CATEGORIES,
  type ContentFor,
  type DltCategory,
  type DltVariableType,
  type TemplateContent,
} from '../../domain/templates/template-content.ts';
import { builder } from '../builder.ts';

// A template's content and a rendered message, one object type per channel in a union, so an
// admin UI can show and edit each channel's own fields; and the input objects to publish one.

interface NamedValue {
  name: string;
  value: string;
}
const namedValues = (record: Readonly<Record<string, string>>): NamedValue[] => Object.entries(record).map(([name, value]) => ({ name, value }));

const NamedValueRef = builder.objectRef<NamedValue>('NamedValue').implement({
  description: 'One entry of a string map (push data, an SMS provider\'s named variables).',
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

export const WhatsAppCategoryEnum = builder.enumType('WhatsAppTemplateCategory', { values: WHATSAPP_CATEGORIES });
const DltVariableTypeEnum = builder.enumType('DltVariableType', { values: DLT_VARIABLE_TYPES });

const WhatsAppButton = builder.objectRef<{ baseUrl: string; parameter: string }>('WhatsAppUrlButton').implement({
  fields: (t) => ({
    baseUrl: t.exposeString('baseUrl', { description: 'The approved URL before its `{{1}}`.' }),
    parameter: t.exposeString('parameter', { description: 'Liquid rendering the whole link; what goes out is the link with `baseUrl` removed.' }),
  }),
});

const WhatsAppContentRef = builder.objectRef<ContentFor<'whatsapp'>>('WhatsAppTemplateContent').implement({
  description: 'A WhatsApp template exactly as approved at Meta, and how our variables fill it.',
  fields: (t) => ({
    name: t.exposeString('name', { description: 'The approved template\'s name at the provider.' }),
    language: t.exposeString('language', { description: 'The language code exactly as approved (`en_US`, `hi`).' }),
    category: t.field({ type: WhatsAppCategoryEnum, resolve: (c) => c.category }),
    body: t.exposeString('body', { description: 'The body as approved, with `{{1}}`..`{{n}}`.' }),
    parameters: t.exposeStringList('parameters', { description: 'One Liquid expression per placeholder, in order.' }),
    button: t.field({ type: WhatsAppButton, nullable: true, resolve: (c) => c.button ?? null }),
  }),
});

const EmailContentRef = builder.objectRef<ContentFor<'email'>>('EmailTemplateContent').implement({
  fields: (t) => ({ subject: t.exposeString('subject'), html: t.exposeString('html'), text: t.exposeString('text') }),
});

type Dlt = NonNullable<ContentFor<'sms'>['dlt']>;
const DltRef = builder.objectRef<Dlt>('SmsDltRegistration').implement({
  fields: (t) => ({
    templateId: t.exposeString('templateId'),
    registeredText: t.exposeString('registeredText', { description: 'The registered text, verbatim, with `{#var#}` where values go.' }),
    category: t.exposeString('category', { description: DLT_CATEGORIES.join(', ') }),
    variableTypes: t.field({ type: [DltVariableTypeEnum], resolve: (d) => d.variableTypes }),
  }),
});

type SmsProvider = NonNullable<ContentFor<'sms'>['provider']>;
const SmsProviderRef = builder.objectRef<SmsProvider>('SmsProviderTemplate').implement({
  fields: (t) => ({
    templateId: t.exposeString('templateId'),
    variables: t.field({ type: [NamedValueRef], description: 'The provider\'s variable names, each a Liquid expression (or, rendered, its value).', resolve: (p) => namedValues(p.variables) }),
  }),
});

const SmsContentRef = builder.objectRef<ContentFor<'sms'>>('SmsTemplateContent').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    dlt: t.field({ type: DltRef, nullable: true, resolve: (c) => c.dlt ?? null }),
    provider: t.field({ type: SmsProviderRef, nullable: true, resolve: (c) => c.provider ?? null }),
  }),
});

const PushContentRef = builder.objectRef<ContentFor<'push'>>('PushTemplateContent').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    data: t.field({ type: [NamedValueRef], resolve: (c) => namedValues(c.data) }),
  }),
});

const InAppContentRef = builder.objectRef<ContentFor<'in_app'>>('InAppTemplateContent').implement({
  fields: (t) => ({ title: t.exposeString('title'), body: t.exposeString('body') }),
});

const CONTENT_TYPES = {
  whatsapp: 'WhatsAppTemplateContent',
  email: 'EmailTemplateContent',
  sms: 'SmsTemplateContent',
  push: 'PushTemplateContent',
  in_app: 'InAppTemplateContent',
} as const;

export const TemplateContentRef = builder.unionType('TemplateContent', {
  description: 'A version\'s content: the fields of its channel, written in Liquid.',
  types: [WhatsAppContentRef, EmailContentRef, SmsContentRef, PushContentRef, InAppContentRef],
  resolveType: (content: TemplateContent) => CONTENT_TYPES[content.channel],
});

const RenderedWhatsAppText = builder.objectRef<WhatsAppTextMessage>('RenderedWhatsAppText').implement({
  description: "A free-form WhatsApp text: the front desk's reply inside the patient's 24-hour window.",
  fields: (t) => ({ text: t.exposeString('text') }),
});

const RenderedWhatsApp = builder.objectRef<WhatsAppTemplateMessage>('RenderedWhatsApp').implement({
  description: 'What goes to 360dialog: the approved template, its language and the parameters in order.',
  fields: (t) => ({
    templateName: t.exposeString('templateName'),
    languageCode: t.exposeString('languageCode'),
    bodyParameters: t.exposeStringList('bodyParameters'),
    buttonParameter: t.exposeString('buttonParameter', { nullable: true, description: 'The URL button\'s parameter: the link without the approved base URL.' }),
    previewText: t.exposeString('previewText', { description: 'The body with the parameters filled in, as the recipient reads it.' }),
  }),
});

const RenderedEmail = builder.objectRef<RenderedFor<'email'>>('RenderedEmail').implement({
  fields: (t) => ({ subject: t.exposeString('subject'), html: t.exposeString('html'), text: t.exposeString('text') }),
});

const RenderedSmsProvider = builder.objectRef<SmsProvider>('RenderedSmsProviderTemplate').implement({
  fields: (t) => ({
    templateId: t.exposeString('templateId'),
    variables: t.field({ type: [NamedValueRef], resolve: (p) => namedValues(p.variables) }),
  }),
});

const RenderedSms = builder.objectRef<RenderedFor<'sms'>>('RenderedSms').implement({
  fields: (t) => ({
    text: t.exposeString('text'),
    segments: t.exposeInt('segments'),
    dltTemplateId: t.exposeString('dltTemplateId', { nullable: true }),
    dltCategory: t.exposeString('dltCategory', { nullable: true }),
    providerTemplate: t.field({ type: RenderedSmsProvider, nullable: true, resolve: (m) => m.providerTemplate ?? null }),
  }),
});

const RenderedPush = builder.objectRef<RenderedFor<'push'>>('RenderedPush').implement({
  fields: (t) => ({
    title: t.exposeString('title'),
    body: t.exposeString('body'),
    data: t.field({ type: [NamedValueRef], resolve: (m) => namedValues(m.data) }),
  }),
});

const RenderedInApp = builder.objectRef<RenderedFor<'in_app'>>('RenderedInApp').implement({
  fields: (t) => ({ title: t.exposeString('title'), body: t.exposeString('body') }),
});

const RENDERED_TYPES = { whatsapp: 'RenderedWhatsApp', email: 'RenderedEmail', sms: 'RenderedSms', push: 'RenderedPush', in_app: 'RenderedInApp' } as const;

export const RenderedMessageRef = builder.unionType('RenderedMessage', {
  description: 'The words of one message, exactly as they go to the provider.',
  types: [RenderedWhatsApp, RenderedWhatsAppText, RenderedEmail, RenderedSms, RenderedPush, RenderedInApp],
  resolveType: (message: RenderedMessage) => (message.channel === 'whatsapp' && !isWhatsAppTemplate(message) ? 'RenderedWhatsAppText' : RENDERED_TYPES[message.channel]),
});

// Inputs: one object per channel; exactly one of them is given.

const NamedValueInput = builder.inputType('NamedValueInput', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const WhatsAppContentInput = builder.inputType('WhatsAppTemplateContentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'The approved template\'s name at the provider.' }),
    language: t.string({ required: true, description: 'The language code exactly as approved, e.g. `en_US`.' }),
    category: t.field({ type: WhatsAppCategoryEnum, required: true }),
    body: t.string({ required: true, description: 'The body as approved, with `{{1}}`..`{{n}}`.' }),
    parameters: t.stringList({ required: true, description: 'One Liquid expression per placeholder, in order, e.g. `{{ patientName }}`.' }),
    button: t.field({
      type: builder.inputType('WhatsAppUrlButtonInput', {
        fields: (b) => ({ baseUrl: b.string({ required: true }), parameter: b.string({ required: true }) }),
      }),
    }),
  }),
});

const EmailContentInput = builder.inputType('EmailTemplateContentInput', {
  fields: (t) => ({ subject: t.string({ required: true }), html: t.string({ required: true }), text: t.string({ required: true }) }),
});

const SmsContentInput = builder.inputType('SmsTemplateContentInput', {
  fields: (t) => ({
    text: t.string({ required: true }),
    dlt: t.field({
      type: builder.inputType('SmsDltRegistrationInput', {
        fields: (d) => ({
          templateId: d.string({ required: true }),
          registeredText: d.string({ required: true }),
          category: d.string({ required: true, description: DLT_CATEGORIES.join(', ') }),
          variableTypes: d.field({ type: [DltVariableTypeEnum], required: true }),
        }),
      }),
    }),
    provider: t.field({
      type: builder.inputType('SmsProviderTemplateInput', {
        fields: (p) => ({ templateId: p.string({ required: true }), variables: p.field({ type: [NamedValueInput], required: true }) }),
      }),
    }),
  }),
});

const PushContentInput = builder.inputType('PushTemplateContentInput', {
  fields: (t) => ({ title: t.string({ required: true }), body: t.string({ required: true }), data: t.field({ type: [NamedValueInput] }) }),
});

const InAppContentInput = builder.inputType('InAppTemplateContentInput', {
  fields: (t) => ({ title: t.string({ required: true }), body: t.string({ required: true }) }),
});

export const TemplateContentInput = builder.inputType('TemplateContentInput', {
  description: 'Exactly one channel\'s content, the channel of the template\'s key.',
  fields: (t) => ({
    whatsapp: t.field({ type: WhatsAppContentInput }),
    email: t.field({ type: EmailContentInput }),
    sms: t.field({ type: SmsContentInput }),
    push: t.field({ type: PushContentInput }),
    inApp: t.field({ type: InAppContentInput }),
  }),
});

type Maybe<T> = T | null | undefined;
interface NamedValueArg {
  name: string;
  value: string;
}
/** The shape GraphQL hands a resolver for `TemplateContentInput` (absent fields may be null). */
export interface TemplateContentArg {
  whatsapp?: Maybe<{ name: string; language: string; category: ContentFor<'whatsapp'>['category']; body: string; parameters: string[]; button?: Maybe<{ baseUrl: string; parameter: string }> }>;
  email?: Maybe<{ subject: string; html: string; text: string }>;
  sms?: Maybe<{
    text: string;
    dlt?: Maybe<{ templateId: string; registeredText: string; category: string; variableTypes: DltVariableType[] }>;
    provider?: Maybe<{ templateId: string; variables: NamedValueArg[] }>;
  }>;
  push?: Maybe<{ title: string; body: string; data?: Maybe<NamedValueArg[]> }>;
  inApp?: Maybe<{ title: string; body: string }>;
}

const INPUT_FIELDS = { whatsapp: 'whatsapp', email: 'email', sms: 'sms', push: 'push', in_app: 'inApp' } as const;

/** The GraphQL field (`content.inApp`) of a channel's input: issues name the field the admin filled in. */
export const inputFieldOf = (channel: TemplateContent['channel']): string => `content.${INPUT_FIELDS[channel]}`;

/**
 * A validation issue's path (`content.parameters[0]`, relative to the domain's content) as the
 * GraphQL input's field (`content.whatsapp.parameters.0`), so an admin UI can point at what to fix.
 */
export function toInputPath(path: string, channel: TemplateContent['channel']): string {
  const dotted = path.replace(/\[(\d+)\]/g, '.$1');
  if (dotted.startsWith('key.')) return 'key';
  if (dotted === 'content' || dotted === 'content.channel') return inputFieldOf(channel);
  return dotted.startsWith('content.') ? `${inputFieldOf(channel)}.${dotted.slice('content.'.length)}` : dotted;
}

/** A map given as a list of names and values; a name given twice is refused. */
function toRecord(entries: readonly NamedValueArg[], field: string): Result<Record<string, string>, InputIssue[]> {
  const record: Record<string, string> = {};
  const issues: InputIssue[] = [];
  entries.forEach((e, i) => {
    if (Object.hasOwn(record, e.name)) issues.push({ field: `${field}.${i}.name`, code: 'duplicate-name', message: `"${e.name}" is given twice` });
    record[e.name] = e.value;
  });
  return issues.length > 0 ? err(issues) : ok(record);
}

/** GraphQL's per-channel input -> the domain's content; exactly one channel must be given. */
export function toTemplateContent(input: TemplateContentArg): Result<TemplateContent, InputIssue[]> {
  const given = (Object.keys(INPUT_FIELDS) as TemplateContent['channel'][]).filter((c) => input[INPUT_FIELDS[c]] != null);
  if (given.length !== 1) {
    return err([{ field: 'content', code: 'one-channel', message: `give exactly one of ${Object.values(INPUT_FIELDS).join(', ')}; got ${given.length}` }]);
  }
  const { whatsapp, email, sms, push, inApp } = input;
  if (whatsapp) {
    const { button, ...rest } = whatsapp;
    return ok({ channel: 'whatsapp', ...rest, ...(button ? { button: { baseUrl: button.baseUrl, parameter: button.parameter } } : {}) });
  }
  if (email) return ok({ channel: 'email', subject: email.subject, html: email.html, text: email.text });
  if (push) {
    const data = toRecord(push.data ?? [], 'content.push.data');
    return data.ok ? ok({ channel: 'push', title: push.title, body: push.body, data: data.value }) : data;
  }
  if (inApp) return ok({ channel: 'in_app', title: inApp.title, body: inApp.body });
  if (!sms) throw new Error('one channel was counted as given and none is');
  const issues: InputIssue[] = [];
  const { dlt, provider } = sms;
  if (dlt && !(DLT_CATEGORIES as readonly string[]).includes(dlt.category)) {
    issues.push({ field: 'content.sms.dlt.category', code: 'unknown-category', message: `one of ${DLT_CATEGORIES.join(', ')}` });
  }
  const variables = provider ? toRecord(provider.variables, 'content.sms.provider.variables') : ok({});
  if (!variables.ok) issues.push(...variables.error);
  if (issues.length > 0 || !variables.ok) return err(issues);
  return ok({
    channel: 'sms',
    text: sms.text,
    ...(dlt ? { dlt: { templateId: dlt.templateId, registeredText: dlt.registeredText, category: dlt.category as DltCategory, variableTypes: dlt.variableTypes } } : {}),
    ...(provider ? { provider: { templateId: provider.templateId, variables: variables.value } } : {}),
  });
}
