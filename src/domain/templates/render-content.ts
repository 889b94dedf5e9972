import { countSmsSegments } from '../notifications/sms-segments.ts';
import { assertNever, err, ok, type Result } from '../result.ts';
import { renderHtml, renderText, toTemplateError, whatsAppParameter, type TemplateError } from './render-template.ts';
import type { RenderedMessage } from './rendered-message.ts';
import type { TemplateContent } from './template-content.ts';

/**
 * Renders one template version with a message's variables: exactly what goes to the provider.
 * Expected failures (a missing variable, an empty WhatsApp parameter, a link outside the button's
 * base URL) are values naming the template; it never throws on data.
 */
export function renderContent(key: string, content: TemplateContent, variables: Readonly<Record<string, string>>): Result<RenderedMessage, TemplateError> {
  try {
    return render(key, content, variables);
  } catch (error) {
    return err(toTemplateError(key, error));
  }
}

function render(key: string, content: TemplateContent, vars: Readonly<Record<string, string>>): Result<RenderedMessage, TemplateError> {
  const text = (source: string) => renderText(source, vars);
  switch (content.channel) {
    case 'whatsapp': {
      const bodyParameters = content.parameters.map((p, i) => whatsAppParameter(text(p), i + 1));
      // Filled in one pass, so a parameter that itself holds "{{2}}" is never filled again.
      const previewText = content.body.replace(/\{\{(\d+)\}\}/g, (_, n: string) => bodyParameters[Number(n) - 1] ?? '');
      const message: RenderedMessage = { channel: 'whatsapp', templateName: content.name, languageCode: content.language, bodyParameters, previewText };
      if (!content.button) return ok(message);
      const link = text(content.button.parameter).trim();
      const { baseUrl } = content.button;
      if (!link.startsWith(baseUrl) || link.length === baseUrl.length) {
        return err({ kind: 'render-failed', template: key, message: `template ${key}: the button's link must start with ${baseUrl} and go on past it` });
      }
      return ok({ ...message, buttonParameter: link.slice(baseUrl.length) });
    }
    case 'email':
      // A line break in a subject would start a new mail header.
      return ok({ channel: 'email', subject: text(content.subject).replace(/[\r\n]+/g, ' ').trim(), html: renderHtml(content.html, vars), text: text(content.text) });
    case 'sms': {
      const body = text(content.text).trim();
      const message: Extract<RenderedMessage, { channel: 'sms' }> = { channel: 'sms', text: body, segments: countSmsSegments(body).segments };
      if (content.dlt) Object.assign(message, { dltTemplateId: content.dlt.templateId, dltCategory: content.dlt.category });
      if (content.provider) {
        const variables = Object.fromEntries(Object.entries(content.provider.variables).map(([name, source]) => [name, text(source).trim()]));
        message.providerTemplate = { templateId: content.provider.templateId, variables };
      }
      return ok(message);
    }
    case 'push':
      return ok({
        channel: 'push',
        title: text(content.title).trim(),
        body: text(content.body).trim(),
        data: Object.fromEntries(Object.entries(content.data).map(([k, v]) => [k, text(v)])),
      });
    case 'in_app':
      return ok({ channel: 'in_app', title: text(content.title).trim(), body: text(content.body).trim() });
    default:
      return assertNever(content, 'template content');
  }
}
