import { CHANNELS, isEventType, type EventType, type PayloadOf } from '../event-catalogue.ts';
import { EXAMPLE_PAYLOADS } from '../intake/example-payloads.ts';
import { assertNever, err, ok, type Result } from '../result.ts';
import { checkDlt } from '../notifications/dlt-check.ts';
import { renderContent } from './render-content.ts';
import { textEngine, type TemplateError } from './render-template.ts';
import type { RenderedMessage } from './rendered-message.ts';
import {
  DLT_CATEGORIES,
  DLT_VARIABLE_TYPES,
  WHATSAPP_CATEGORIES,
  formatTemplateKey,
  isLocaleTag,
  type SmsContent,
  type TemplateContent,
  type TemplateKey,
  type WhatsAppContent,
} from './template-content.ts';
import { templateVariableCatalogue } from './template-variable-catalogue.ts';
import { templateVariables, type RecipientContext } from './template-variables.ts';
import { checkWhatsAppBody } from './whatsapp-body-rules.ts';
import { WHATSAPP_TEMPLATE_LANGUAGES } from './whatsapp-languages.ts';

/** One reason a version cannot be published: where (`content.parameters[2]`, `key.locale`) and why. */
export interface TemplateIssue {
  path: string;
  message: string;
}

/** What publishing shows of a good version: a render of the event type's example payload. */
export interface TemplateCheck {
  smsSegments?: number;
  sample: RenderedMessage;
}

const WHATSAPP_NAME = /^[a-z0-9_]{1,512}$/;
const EMAIL_SUBJECT_MAX = 998; // RFC 5322's line limit
const SAMPLE_STAFF_NAME = 'Priya Nair';

/**
 * Every check a template version must pass before it is published, all at once: the key, Liquid
 * syntax and variables, the channel's own rules (Meta's for WhatsApp bodies), and a sample render
 * of the event type's example payload with and without its optional fields.
 */
export function validateTemplateVersion(key: TemplateKey, content: TemplateContent): Result<TemplateCheck, TemplateIssue[]> {
  const issues: TemplateIssue[] = [];
  const eventType: EventType | null = isEventType(key.eventType) ? key.eventType : null;
  if (!eventType) issues.push({ path: 'key.eventType', message: `"${key.eventType}" is not an event type` });
  if (!(CHANNELS as readonly string[]).includes(key.channel)) issues.push({ path: 'key.channel', message: `"${key.channel}" is not a channel (${CHANNELS.join(', ')})` });
  if (!isLocaleTag(key.locale)) issues.push({ path: 'key.locale', message: `"${key.locale}" is not a BCP 47 language tag such as en, hi, ta or en-GB` });
  if (!(CHANNELS as readonly string[]).includes(content.channel)) {
    return err([...issues, { path: 'content.channel', message: `"${String(content.channel)}" is not a channel (${CHANNELS.join(', ')})` }]);
  }
  if (content.channel !== key.channel) issues.push({ path: 'content.channel', message: `is ${content.channel}, but the key is for ${key.channel}` });
  // A Hindi key mapped to an English template would send English to every Hindi reader.
  if (content.channel === 'whatsapp' && isLocaleTag(key.locale) && languageOf(content.language) !== languageOf(key.locale)) {
    issues.push({ path: 'content.language', message: `"${content.language}" is not in the language of the key's locale ${key.locale}` });
  }
  issues.push(...channelIssues(content));

  let sourcesAreSound = eventType !== null;
  if (eventType) {
    const known = new Set(templateVariableCatalogue(eventType).map((v) => v.name));
    for (const [path, source] of liquidSources(content)) {
      const found = liquidIssues(path, source, known, eventType);
      if (found.length > 0) sourcesAreSound = false;
      issues.push(...found);
    }
  }
  // A source that does not parse or reads an unknown variable already has its issue; rendering it would only repeat it.
  const sample = eventType && sourcesAreSound ? sampleRender(key, eventType, content, issues) : null;
  if (issues.length > 0 || !sample) return err(issues);
  return ok(sample.channel === 'sms' ? { smsSegments: sample.segments, sample } : { sample });
}

/** The variables of the event type's example payload, as planning builds them for a recipient in `locale`. */
export function sampleTemplateVariables(eventType: EventType, locale: string): Record<string, string> {
  const data = EXAMPLE_PAYLOADS[eventType];
  const ctx: RecipientContext = { locale: isLocaleTag(locale) ? locale : 'en-IN', staffName: SAMPLE_STAFF_NAME };
  // Planning renders an emergency leave once per affected appointment, and a queue update once per token.
  if (eventType === 'doctor.emergency_leave') ctx.appointmentId = (data as PayloadOf<'doctor.emergency_leave'>).affected[0]?.appointment.id;
  if (eventType === 'walkin.queue_updated') ctx.tokenNumber = (data as PayloadOf<'walkin.queue_updated'>).tokens[0]?.number;
  return templateVariables(eventType, data, ctx);
}

function sampleRender(key: TemplateKey, eventType: EventType, content: TemplateContent, issues: TemplateIssue[]): RenderedMessage | null {
  const keyText = formatTemplateKey(key);
  const variables = sampleTemplateVariables(eventType, key.locale);
  const full = renderContent(keyText, content, variables);
  if (!full.ok) {
    issues.push(renderIssue(full.error, `the sample render of the example ${eventType} payload failed`));
    return null;
  }
  // Optional variables are absent from some real messages: each needs a fallback in the template.
  const optional = new Set(templateVariableCatalogue(eventType).filter((v) => v.optional).map((v) => v.name));
  const required = Object.fromEntries(Object.entries(variables).filter(([name]) => !optional.has(name)));
  const bare = renderContent(keyText, content, required);
  if (!bare.ok) issues.push(renderIssue(bare.error, `a message without the optional variables of ${eventType} fails`));
  // What planning would suppress as dlt-mismatch is refused here, before any message is planned with it.
  if (content.channel === 'sms' && full.value.channel === 'sms') {
    const dlt = checkDlt(content, full.value);
    if (!dlt.ok) issues.push({ path: 'content.dlt.registeredText', message: `the sample render does not match the DLT registration at ${dlt.error.variable}: ${dlt.error.message}` });
  }
  return full.value;
}

function renderIssue(error: TemplateError, context: string): TemplateIssue {
  if (error.kind === 'missing-variable') {
    return { path: 'content', message: `${context}: "${error.variable}" is absent; read it under {% if ${error.variable} %} or give it a default` };
  }
  if (error.kind === 'invalid-parameter' && error.parameter) {
    return { path: `content.parameters[${Number(error.parameter.replace(/\D/g, '')) - 1}]`, message: `${context}: ${error.parameter} renders empty, which Meta refuses` };
  }
  if (error.parameter === 'button') return { path: 'content.button.parameter', message: `${context}: ${error.message}` };
  return { path: 'content', message: `${context}: ${error.message}` };
}

function liquidIssues(path: string, source: string, known: ReadonlySet<string>, eventType: EventType): TemplateIssue[] {
  try {
    const read = textEngine.globalVariablesSync(textEngine.parse(source));
    return read.filter((name) => !known.has(name))
      .map((name) => ({ path, message: `reads "${name}", which is not a variable of ${eventType} (see templateVariables)` }));
  } catch (error) {
    return [{ path, message: `is not valid Liquid: ${error instanceof Error ? error.message : String(error)}` }];
  }
}

/** Every Liquid source of the content, by path. A WhatsApp body is Meta's text, not Liquid. */
function liquidSources(content: TemplateContent): [path: string, source: string][] {
  const each = (prefix: string, map: Record<string, string>) => Object.entries(map).map(([name, source]): [string, string] => [`${prefix}.${name}`, source]);
  switch (content.channel) {
    case 'whatsapp':
      return [
        ...content.parameters.map((source, i): [string, string] => [`content.parameters[${i}]`, source]),
        ...(content.button ? [['content.button.parameter', content.button.parameter] as [string, string]] : []),
      ];
    case 'email':
      return [['content.subject', content.subject], ['content.html', content.html], ['content.text', content.text]];
    case 'sms':
      return [['content.text', content.text], ...(content.provider ? each('content.provider.variables', content.provider.variables) : [])];
    case 'push':
      return [['content.title', content.title], ['content.body', content.body], ...each('content.data', content.data)];
    case 'in_app':
      return [['content.title', content.title], ['content.body', content.body]];
    default:
      return assertNever(content, 'template content');
  }
}

function channelIssues(content: TemplateContent): TemplateIssue[] {
  switch (content.channel) {
    case 'whatsapp':
      return whatsAppIssues(content);
    case 'email': {
      const issues: TemplateIssue[] = [];
      const { subject } = content;
      if (subject.length > EMAIL_SUBJECT_MAX) issues.push({ path: 'content.subject', message: `has ${subject.length} characters; at most ${EMAIL_SUBJECT_MAX}` });
      if (/[\r\n]/.test(subject)) issues.push({ path: 'content.subject', message: 'has a line break; a subject is one line' });
      return issues;
    }
    case 'sms':
      return dltIssues(content);
    case 'push':
    case 'in_app':
      return [];
    default:
      return assertNever(content, 'template content');
  }
}

function whatsAppIssues(content: WhatsAppContent): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (!WHATSAPP_NAME.test(content.name)) issues.push({ path: 'content.name', message: 'must be the approved template\'s name: 1-512 of a-z, 0-9 and _' });
  if (!WHATSAPP_TEMPLATE_LANGUAGES.has(content.language)) {
    const underscored = content.language.replace('-', '_');
    const hint = WHATSAPP_TEMPLATE_LANGUAGES.has(underscored) ? ` (Meta writes it ${underscored})` : '';
    issues.push({ path: 'content.language', message: `"${content.language}" is not one of Meta's template language codes${hint}` });
  }
  if (!(WHATSAPP_CATEGORIES as readonly string[]).includes(content.category)) {
    issues.push({ path: 'content.category', message: `must be one of ${WHATSAPP_CATEGORIES.join(', ')}` });
  }
  const body = checkWhatsAppBody(content.body);
  issues.push(...body.problems.map((message) => ({ path: 'content.body', message })));
  if (content.parameters.length !== body.placeholders.length) {
    issues.push({ path: 'content.parameters', message: `has ${content.parameters.length} parameters for the body's ${body.placeholders.length} placeholders` });
  }
  if (content.button && !isHttpsUrl(content.button.baseUrl)) issues.push({ path: 'content.button.baseUrl', message: 'must be an https URL, as approved before its {{1}}' });
  return issues;
}

const languageOf = (code: string): string => code.split(/[-_]/)[0]!.toLowerCase();

/**
 * The part of an https URL before the button's {{1}}: a whole URL (`https://clinic.example/r/`), or
 * as little as `https://` (our defaults, where the link's host varies by clinic) -- never a space.
 */
function isHttpsUrl(text: string): boolean {
  if (text === 'https://') return true;
  if (/\s/.test(text)) return false;
  try {
    return new URL(text).protocol === 'https:';
  } catch {
    return false;
  }
}

function dltIssues({ dlt }: SmsContent): TemplateIssue[] {
  if (!dlt) return [];
  const issues: TemplateIssue[] = [];
  const variables = dlt.registeredText.split('{#var#}').length - 1;
  if (variables !== dlt.variableTypes.length) {
    issues.push({ path: 'content.dlt.variableTypes', message: `has ${dlt.variableTypes.length} types for the registered text's ${variables} {#var#}` });
  }
  if (/[<>]/.test(dlt.registeredText)) issues.push({ path: 'content.dlt.registeredText', message: 'has < or >, which DLT registration refuses' });
  if (dlt.templateId.trim().length === 0) issues.push({ path: 'content.dlt.templateId', message: 'is empty' });
  if (!(DLT_CATEGORIES as readonly string[]).includes(dlt.category)) issues.push({ path: 'content.dlt.category', message: `must be one of ${DLT_CATEGORIES.join(', ')}` });
  dlt.variableTypes.forEach((type, i) => {
    if (!(DLT_VARIABLE_TYPES as readonly string[]).includes(type)) issues.push({ path: `content.dlt.variableTypes[${i}]`, message: `must be one of ${DLT_VARIABLE_TYPES.join(', ')}` });
  });
  return issues;
}
