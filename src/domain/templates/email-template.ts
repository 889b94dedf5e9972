import type { TemplateLocale } from './template-locale.ts';
import type { EmailSource } from './template-source.ts';

/** A paragraph of Liquid text, shown only when the variable named by `when` is present. */
export type EmailLine = string | { text: string; when: string };

export interface EmailDetail {
  label: string;
  value: string;
  when?: string;
}

/**
 * An email written once and turned into its subject, HTML and plain-text parts, so the two bodies
 * never drift apart. Literal labels are plain text; Liquid outputs in the HTML part are escaped by
 * the HTML engine at render time.
 */
export interface EmailSpec {
  version: number;
  locale: TemplateLocale;
  subject: string;
  greeting: string;
  intro: readonly EmailLine[];
  details?: readonly EmailDetail[];
  action?: { label: string; href: string; when?: string };
  outro?: readonly EmailLine[];
  signoff: string;
}

const escapeLiteral = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const guarded = (when: string | undefined, body: string) => (when ? `{% if ${when} %}${body}{% endif %}` : body);

const lineText = (line: EmailLine) => (typeof line === 'string' ? line : line.text);
const lineWhen = (line: EmailLine) => (typeof line === 'string' ? undefined : line.when);

function html(spec: EmailSpec): string {
  const paragraph = (line: EmailLine) => guarded(lineWhen(line), `<p>${lineText(line)}</p>\n`);
  const rows = (spec.details ?? [])
    .map((d) => guarded(d.when, `<tr><th align="left" style="padding:4px 12px 4px 0">${escapeLiteral(d.label)}</th><td style="padding:4px 0">${d.value}</td></tr>\n`))
    .join('');
  const action = spec.action
    ? guarded(spec.action.when, `<p><a href="{{ ${spec.action.href} }}" style="color:#0b5cad">${escapeLiteral(spec.action.label)}</a></p>\n`)
    : '';
  return [
    `<!doctype html>\n<html lang="${spec.locale}">\n<head><meta charset="utf-8"><title>${spec.subject}</title></head>\n`,
    '<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;line-height:1.5">\n',
    `<p>${spec.greeting}</p>\n`,
    spec.intro.map(paragraph).join(''),
    rows ? `<table role="presentation" cellspacing="0" cellpadding="0">\n${rows}</table>\n` : '',
    action,
    (spec.outro ?? []).map(paragraph).join(''),
    `<p>${spec.signoff}</p>\n</body>\n</html>\n`,
  ].join('');
}

function text(spec: EmailSpec): string {
  const paragraph = (line: EmailLine) => guarded(lineWhen(line), `${lineText(line)}\n\n`);
  const rows = (spec.details ?? []).map((d) => guarded(d.when, `${d.label}: ${d.value}\n`)).join('');
  const action = spec.action ? guarded(spec.action.when, `${spec.action.label}: {{ ${spec.action.href} }}\n\n`) : '';
  return [
    `${spec.greeting}\n\n`,
    spec.intro.map(paragraph).join(''),
    rows ? `${rows}\n` : '',
    action,
    (spec.outro ?? []).map(paragraph).join(''),
    `${spec.signoff}\n`,
  ].join('');
}

export function email(spec: EmailSpec): EmailSource {
  return { version: spec.version, subject: spec.subject, html: html(spec), text: text(spec) };
}
