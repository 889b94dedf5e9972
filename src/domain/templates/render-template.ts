import { Liquid, type Template } from 'liquidjs';
import { isEventType, type Channel } from '../event-catalogue.ts';
import type { RenderedMessage } from './rendered-message.ts';
import { err, ok, assertNever, type Result } from '../result.ts';
import { countSmsSegments } from '../notifications/sms-segments.ts';
import { templateLocale, type TemplateLocale } from './template-locale.ts';
import { TEMPLATES, templateKey } from './template-catalogue.ts';
import type { ChannelTemplates } from './template-source.ts';

/** Which template renders a message: stored on NotificationPlanned, so an auditor can name the exact text. */
export interface TemplateRef {
  /** `<eventType>:<channel>:<locale>`, e.g. `appointment.confirmed:whatsapp:hi`. */
  key: string;
  version: number;
  locale: TemplateLocale;
}

export interface TemplateError {
  kind: 'missing-variable' | 'no-template' | 'render-failed' | 'invalid-parameter';
  /** The template key (for no-template: the key that was looked for). */
  template: string;
  /** For missing-variable: the variable the template needs and did not get. */
  variable?: string;
  /** Which WhatsApp parameter failed: `{{2}}` (invalid-parameter) or `button` (a link outside the button's base URL). */
  parameter?: string;
  message: string;
}

export interface RenderInput {
  eventType: string;
  channel: Channel;
  /** The recipient's BCP 47 locale; mapped to a template language, English when that language has none. */
  locale: string;
  variables: Readonly<Record<string, string>>;
}

export { templateKey };

const WHATSAPP_LANGUAGE_CODES: Record<TemplateLocale, string> = { en: 'en', hi: 'hi' };

// No file system (an in-memory, empty template map: include/render/layout find nothing), no JS
// evaluation (Liquid has none), and a missing variable or filter is an error rather than "".
// lenientIf lets `{% if reason %}` test an optional variable without tripping strictVariables.
const baseOptions = { strictVariables: true, strictFilters: true, lenientIf: true, ownPropertyOnly: true, templates: {} };
export const textEngine = new Liquid(baseOptions);
const htmlEngine = new Liquid({ ...baseOptions, outputEscape: 'escape' });
// Each source is parsed once. Sources are template versions (a few hundred), but previews parse
// drafts too: the caches are bounded, and start over when full.
const MAX_PARSED = 2_000;
const textCache = new Map<string, PlainSource | Template[]>();
const htmlCache = new Map<string, Template[]>();
const remember = <V>(cache: Map<string, V>, source: string, parsed: V): V => {
  if (cache.size >= MAX_PARSED) cache.clear();
  cache.set(source, parsed);
  return parsed;
};

/** The template for this event, channel and recipient locale (English when the locale's language has none); null when none exists. */
export function templateFor(eventType: string, channel: Channel, locale: string): TemplateRef | null {
  const found = lookup(eventType, channel, locale);
  return found && found.ref;
}

/** Renders one message. Expected failures (a missing variable, no template) are values; it never throws on data. */
export function renderTemplate(input: RenderInput): Result<RenderedMessage, TemplateError> {
  const found = lookup(input.eventType, input.channel, input.locale);
  if (!found) {
    const key = templateKey(input.eventType, input.channel, templateLocale(input.locale));
    return err({ kind: 'no-template', template: key, message: `no ${input.channel} template for ${input.eventType}` });
  }
  try {
    const message = render(input.channel, found.templates, found.ref.locale, input.variables);
    if (message) return ok(message);
    return err({ kind: 'no-template', template: found.ref.key, message: `no ${input.channel} template for ${input.eventType}` });
  } catch (error) {
    return err(toTemplateError(found.ref.key, error));
  }
}

function lookup(eventType: string, channel: Channel, locale: string): { ref: TemplateRef; templates: ChannelTemplates } | null {
  if (!isEventType(eventType)) return null;
  const languages: TemplateLocale[] = [...new Set([templateLocale(locale), 'en' as const])];
  for (const language of languages) {
    const templates = TEMPLATES[language][eventType];
    const source = templates?.[channel];
    if (templates && source) return { ref: { key: templateKey(eventType, channel, language), version: source.version, locale: language }, templates };
  }
  return null;
}

function render(channel: Channel, t: ChannelTemplates, language: TemplateLocale, vars: Readonly<Record<string, string>>): RenderedMessage | null {
  const text = (source: string) => renderText(source, vars);
  switch (channel) {
    case 'whatsapp': {
      if (!t.whatsapp) return null;
      const { name, body, parameters } = t.whatsapp;
      const bodyParameters = parameters.map((p, i) => whatsAppParameter(text(p), i + 1));
      // Filled in one pass, so a parameter that itself contains "{{2}}" is never filled again.
      const previewText = body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => bodyParameters[Number(n) - 1] ?? '');
      return { channel, templateName: name, languageCode: WHATSAPP_LANGUAGE_CODES[language], bodyParameters, previewText };
    }
    case 'email': {
      if (!t.email) return null;
      // A line break in a subject would start a new mail header.
      const subject = text(t.email.subject).replace(/[\r\n]+/g, ' ').trim();
      return { channel, subject, html: renderHtml(t.email.html, vars), text: text(t.email.text) };
    }
    case 'sms': {
      if (!t.sms) return null;
      const body = text(t.sms.text).trim();
      const rendered = { channel, text: body, segments: countSmsSegments(body).segments };
      return t.sms.dltTemplateId === undefined ? rendered : { ...rendered, dltTemplateId: t.sms.dltTemplateId };
    }
    case 'push': {
      if (!t.push) return null;
      const data = Object.fromEntries(Object.entries(t.push.data).map(([k, v]) => [k, text(v)]));
      return { channel, title: text(t.push.title).trim(), body: text(t.push.body).trim(), data };
    }
    case 'in_app':
      return t.in_app ? { channel, title: text(t.in_app.title).trim(), body: text(t.in_app.body).trim() } : null;
    default:
      return assertNever(channel, 'channel');
  }
}

const OUTPUT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * A source of text and bare `{{ variable }}` outputs only: `text[0] vars[0] text[1] ... text[n]`.
 * Liquid would print each variable as it is (the text engine escapes nothing), so these are
 * filled by lookup with Liquid's strictness instead of a Liquid render each: most of our sources
 * are like this, and planning and sending render every message.
 */
interface PlainSource {
  text: string[];
  variables: string[];
}

function plainSource(source: string): PlainSource | null {
  const text: string[] = [];
  const variables: string[] = [];
  let at = 0;
  for (const match of source.matchAll(OUTPUT)) {
    text.push(source.slice(at, match.index));
    variables.push(match[1]!);
    at = match.index + match[0].length;
  }
  text.push(source.slice(at));
  // Anything else Liquid would read (a tag, a filter, a whitespace-trimming output) goes to Liquid.
  return text.some((t) => t.includes('{{') || t.includes('{%')) ? null : { text, variables };
}

function fillPlain({ text, variables }: PlainSource, vars: Readonly<Record<string, string>>): string {
  let out = text[0]!;
  for (let i = 0; i < variables.length; i++) {
    const name = variables[i]!;
    const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
    if (typeof value !== 'string') throw new MissingVariableError(name);
    out += value + text[i + 1]!;
  }
  return out;
}

/** One plain-text source with these variables, exactly as a message's text parts are rendered. */
export function renderText(source: string, vars: Readonly<Record<string, string>>): string {
  let compiled = textCache.get(source);
  compiled ??= remember(textCache, source, plainSource(source) ?? textEngine.parse(source));
  return Array.isArray(compiled) ? (textEngine.renderSync(compiled, vars) as string) : fillPlain(compiled, vars);
}

/** An HTML source: always Liquid, which escapes every output. */
export function renderHtml(source: string, vars: Readonly<Record<string, string>>): string {
  let templates = htmlCache.get(source);
  templates ??= remember(htmlCache, source, htmlEngine.parse(source));
  return htmlEngine.renderSync(templates, vars) as string;
}

class MissingVariableError extends Error {
  constructor(readonly variable: string) {
    super(`undefined variable: ${variable}`);
  }
}

// Meta refuses a body parameter that is empty or holds a newline, a tab or more than four spaces in a row.
export function whatsAppParameter(value: string, position: number): string {
  const clean = value.replace(/[\r\n\t]+/g, ' ').replace(/ {4,}/g, '   ').trim();
  if (!clean) throw new EmptyParameterError(position);
  return clean;
}

export class EmptyParameterError extends Error {
  constructor(readonly position: number) {
    super(`WhatsApp body parameter {{${position}}} rendered empty`);
  }
}

export function toTemplateError(key: string, error: unknown): TemplateError {
  const message = error instanceof Error ? error.message : String(error);
  // liquidjs names the variable only in its message: "undefined variable: doctorName, line:1, col:4".
  const variable = error instanceof MissingVariableError ? error.variable : /undefined variable: ([^\s,]+)/.exec(message)?.[1];
  if (variable) {
    return { kind: 'missing-variable', template: key, variable, message: `template ${key} needs the variable "${variable}", which was not given` };
  }
  return { kind: 'render-failed', template: key, message: `template ${key} failed to render: ${message}` };
}
