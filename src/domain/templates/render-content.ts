import { assertNever, err, ok, type Result } from '../result.ts';
import { countSmsSegments } from '../notifications/sms-segments.ts';
import { EmptyParameterError, renderHtml, renderText, toTemplateError, whatsAppParameter, type TemplateError } from './render-template.ts';
import type { RenderedFor, RenderedMessage } from './rendered-message.ts';
import type { TemplateContent, WhatsAppContent } from './template-content.ts';

/**
 * Renders one published template version with these variables: exactly what the provider client
 * sends. `key` names the template in errors. Expected failures (a missing variable, an empty
 * WhatsApp parameter, a link outside the button's base URL) are values; it never throws on data.
 */
export function renderContent(key: string, content: TemplateContent, variables: Readonly<Record<string, string>>): Result<RenderedMessage, TemplateError> {
  try {
    return render(key, content, variables);
  } catch (error) {
    if (error instanceof EmptyParameterError) {
      const parameter = `{{${error.position}}}`;
      return err({ kind: 'invalid-parameter', template: key, parameter, message: `template ${key}: WhatsApp body parameter ${parameter} rendered empty` });
    }
    return err(toTemplateError(key, error));
  }
}

function render(key: string, content: TemplateContent, vars: Readonly<Record<string, string>>): Result<RenderedMessage, TemplateError> {
  const text = (source: string) => renderText(source, vars);
  switch (content.channel) {
    case 'whatsapp':
      return renderWhatsApp(key, content, vars);
    case 'email':
      // A line break in a subject would start a new mail header.
      return ok({ channel: 'email', subject: text(content.subject).replace(/[\r\n]+/g, ' ').trim(), html: renderHtml(content.html, vars), text: text(content.text) });
    case 'sms': {
      const body = text(content.text).trim();
      const rendered: RenderedFor<'sms'> = { channel: 'sms', text: body, segments: countSmsSegments(body).segments };
      if (content.dlt) {
        rendered.dltTemplateId = content.dlt.templateId;
        rendered.dltCategory = content.dlt.category;
      }
      if (content.provider) {
        const variables = Object.fromEntries(Object.entries(content.provider.variables).map(([name, source]) => [name, text(source)]));
        rendered.providerTemplate = { templateId: content.provider.templateId, variables };
      }
      return ok(rendered);
    }
    case 'push': {
      const data = Object.fromEntries(Object.entries(content.data).map(([name, source]) => [name, text(source)]));
      return ok({ channel: 'push', title: text(content.title).trim(), body: text(content.body).trim(), data });
    }
    case 'in_app':
      return ok({ channel: 'in_app', title: text(content.title).trim(), body: text(content.body).trim() });
    default:
      return assertNever(content, 'template content');
  }
}

function renderWhatsApp(key: string, content: WhatsAppContent, vars: Readonly<Record<string, string>>): Result<RenderedMessage, TemplateError> {
  const bodyParameters = content.parameters.map((source, i) => whatsAppParameter(renderText(source, vars), i + 1));
  // Filled in one pass, so a parameter that itself contains "{{2}}" is never filled again.
  const previewText = content.body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => bodyParameters[Number(n) - 1] ?? '');
  const message: RenderedFor<'whatsapp'> = { channel: 'whatsapp', templateName: content.name, languageCode: content.language, bodyParameters, previewText };
  if (!content.button) return ok(message);
  const { baseUrl, parameter } = content.button;
  const link = renderText(parameter, vars).trim();
  // Meta appends the parameter to the approved base URL: a link elsewhere cannot be sent in this button.
  if (!link.startsWith(baseUrl) || link.length === baseUrl.length) {
    return err({
      kind: 'render-failed',
      template: key,
      parameter: 'button',
      message: `template ${key}: the URL button's link must start with its base URL ${baseUrl} and add to it`,
    });
  }
  return ok({ ...message, buttonParameter: link.slice(baseUrl.length) });
}
