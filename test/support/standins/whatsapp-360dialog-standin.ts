import { randomBytes } from 'node:crypto';
import { DEFAULT_TEMPLATES } from '../../../src/domain/templates/default-templates.ts';
import { headerOf, startStandin, type RecordedRequest, type StandinAnswer, type StandinServer } from './standin-server.ts';

export const STANDIN_360DIALOG_KEY = 'test-d360-key';

/** Meta Graph error body, as 360dialog passes it through. */
export function metaError(code: number, message: string, details = message): object {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: 'AbCdEf123',
    },
  };
}

/** One component of a WABA Template object (docs.360dialog.com/api/whatsapp-api/message-templates-api). */
export interface WabaTemplateComponent {
  type: 'HEADER' | 'BODY' | 'FOOTER' | 'BUTTONS';
  format?: 'TEXT' | 'IMAGE' | 'DOCUMENT' | 'VIDEO';
  text?: string;
  example?: { body_text?: string[][]; header_text?: string[] };
  buttons?: { type: 'PHONE_NUMBER' | 'URL' | 'QUICK_REPLY'; text: string; url?: string; phone_number?: string; example?: string[] }[];
}

/** A template as 360dialog's list endpoint returns it. */
export interface WabaTemplate {
  name: string;
  language: string;
  /** 360dialog has returned lower case (`approved`, `submitted`), Meta upper case; both are honoured. */
  status: string;
  category: string;
  components: WabaTemplateComponent[];
  namespace?: string;
  id?: string;
  rejected_reason?: string;
  quality_score?: { score: string };
}

export interface Dialog360StandinOptions {
  apiKey?: string;
  /** Known templates; without them the stand-in accepts any template, as a sandbox does. */
  templates?: WabaTemplate[];
}

export interface Dialog360Standin extends StandinServer {
  /** The templates it knows, or null while it accepts any template. */
  readonly templates: readonly WabaTemplate[] | null;
  /** Sends answered 200, in order. */
  readonly accepted: RecordedRequest[];
  /** Strict from now on: a send must name one of these, approved, with the right parameters. */
  setTemplates(templates: WabaTemplate[]): void;
  addTemplate(template: WabaTemplate): void;
  /** Back to accepting any template. */
  acceptAnyTemplate(): void;
}

/** An approved UTILITY template in the list's shape, with a BODY and optionally a dynamic URL button. */
export function wabaTemplate(
  name: string,
  language: string,
  body: string,
  extra: { status?: string; urlButton?: string; category?: string; id?: string; rejectedReason?: string } = {},
): WabaTemplate {
  const placeholders = [...new Set(body.match(/\{\{\d+\}\}/g) ?? [])];
  const components: WabaTemplateComponent[] = [
    { type: 'BODY', text: body, example: { body_text: [placeholders.map((_, i) => `sample${i + 1}`)] } },
  ];
  if (extra.urlButton !== undefined) {
    components.push({ type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Open', url: extra.urlButton, example: [extra.urlButton.replace('{{1}}', 'abc')] }] });
  }
  return {
    name,
    language,
    status: extra.status ?? 'approved',
    category: extra.category ?? 'UTILITY',
    components,
    namespace: 'c8ae5f90_307a_ca4c_b8f6_d1e2ad573f9e',
    id: extra.id ?? randomBytes(8).toString('hex'),
    rejected_reason: extra.rejectedReason ?? 'NONE',
    quality_score: { score: 'UNKNOWN' },
  };
}

/**
 * 360dialog's Cloud API endpoint with D360-API-KEY:
 * - `POST /messages` answers like Meta (contacts + messages[].id), or with 360dialog's own 401 for a wrong key;
 * - `GET /v1/configs/templates` lists the templates it knows, honouring `limit` and `offset`.
 * Once it knows templates it refuses a template send as Meta does (PROVIDERS-2.md section 2); until then it
 * accepts any, so tests that do not care about templates need not describe them.
 */
export async function start360DialogStandin(options: Dialog360StandinOptions = {}): Promise<Dialog360Standin> {
  const apiKey = options.apiKey ?? STANDIN_360DIALOG_KEY;
  let templates: WabaTemplate[] | null = options.templates ? [...options.templates] : null;
  const accepted: RecordedRequest[] = [];

  const server = await startStandin((request) => {
    const path = request.path.split('?')[0];
    const known = (request.method === 'POST' && path === '/messages') || (request.method === 'GET' && path === '/v1/configs/templates');
    if (!known) return { status: 404, body: { error: 'not found' } };
    if (headerOf(request, 'd360-api-key') !== apiKey) return { status: 401, body: { meta: { success: false, http_code: 401, developer_message: 'Invalid API key' } } };
    if (request.method === 'GET') return listTemplates(templates ?? [], request.path);
    const answer = sendMessage(templates, request);
    if ('status' in answer && answer.status === 200) accepted.push(request);
    return answer;
  });

  return {
    get url() {
      return server.url;
    },
    requests: server.requests,
    accepted,
    get templates() {
      return templates;
    },
    failNext: (count, answer) => server.failNext(count, answer),
    reset() {
      server.reset();
      accepted.length = 0;
    },
    close: () => server.close(),
    setTemplates(list) {
      templates = [...list];
    },
    addTemplate(template) {
      templates = [...(templates ?? []), template];
    },
    acceptAnyTemplate() {
      templates = null;
    },
  };
}

function listTemplates(all: WabaTemplate[], pathAndQuery: string): StandinAnswer {
  const query = new URL(pathAndQuery, 'http://standin').searchParams;
  const limit = nonNegative(query.get('limit')) ?? 1000;
  const offset = nonNegative(query.get('offset')) ?? 0;
  const page = all.slice(offset, offset + limit);
  return { status: 200, body: { count: page.length, filters: {}, limit, offset, sort: ['id'], total: all.length, waba_templates: page } };
}

function nonNegative(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

interface SentParameter { type?: string; text?: unknown }
interface SentComponent { type?: string; sub_type?: string; index?: unknown; parameters?: SentParameter[] }
interface SentMessage {
  to?: unknown;
  messaging_product?: unknown;
  type?: unknown;
  template?: { name?: unknown; language?: { code?: unknown }; components?: SentComponent[] };
}

function sendMessage(templates: WabaTemplate[] | null, request: RecordedRequest): StandinAnswer {
  let body: SentMessage;
  try {
    body = JSON.parse(request.text) as SentMessage;
  } catch {
    return { status: 400, body: metaError(100, 'Invalid parameter', 'Request body is not JSON') };
  }
  if (body.messaging_product !== 'whatsapp' || typeof body.to !== 'string') {
    return { status: 400, body: metaError(100, 'Invalid parameter', "Parameter 'to' is required") };
  }
  if (templates !== null && body.type === 'template') {
    const refusal = refuseTemplate(templates, body.template ?? {});
    if (refusal) return refusal;
  }
  const wamid = `wamid.HBgM${randomBytes(12).toString('hex').toUpperCase()}`;
  return {
    status: 200,
    body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: wamid }] },
  };
}

const refused = (code: number, message: string, details?: string): StandinAnswer => ({ status: 400, body: metaError(code, message, details) });

/** Meta's checks of a template send, in the order a send meets them; each answer as Meta words it. */
function refuseTemplate(templates: WabaTemplate[], sent: NonNullable<SentMessage['template']>): StandinAnswer | undefined {
  const name = String(sent.name);
  const language = String(sent.language?.code);
  const template = templates.find((t) => t.name === name && t.language === language);
  if (!template) return refused(132001, 'Template name does not exist in the translation', `template name (${name}) does not exist in ${language}`);
  const status = template.status.toLowerCase();
  if (status === 'paused') return refused(132015, 'Template is paused', 'Template is paused due to low quality');
  if (status === 'disabled') return refused(132016, 'Template is disabled', 'Template has been disabled due to low quality');
  if (status !== 'approved') return refused(132001, 'Template name does not exist in the translation', `template name (${name}) does not exist in ${language}`);

  const components = sent.components ?? [];
  const bodyText = template.components.find((c) => c.type === 'BODY')?.text ?? '';
  const expected = new Set(bodyText.match(/\{\{\d+\}\}/g) ?? []).size;
  const values = (components.find((c) => c.type === 'body')?.parameters ?? []).map((p) => (typeof p.text === 'string' ? p.text : ''));
  if (values.length !== expected) {
    return refused(132000, 'Number of parameters does not match the expected number of params', `body: number of localizable_params (${values.length}) does not match the expected number of params (${expected})`);
  }

  const buttons = template.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
  const urlIndex = buttons.findIndex((b) => b.type === 'URL' && (b.url ?? '').includes('{{1}}'));
  const sentButton = components.find((c) => c.type === 'button' && c.sub_type === 'url');
  const buttonValue = sentButton?.parameters?.[0]?.text;
  const formatMismatch = refused(132012, 'Parameter format does not match format in the created template');
  if (urlIndex !== -1) {
    if (typeof buttonValue !== 'string' || buttonValue.length === 0 || String(sentButton?.index) !== String(urlIndex)) return formatMismatch;
  } else if (sentButton) {
    // A button parameter for a template with no dynamic URL button: the components do not match the template.
    return formatMismatch;
  }

  // Code chosen here: public client code reports Meta answering this wording with 132018 (unconf. against
  // Meta's own error page, which lists 132018 only as "a problem with the template's parameters").
  const badValue = [...values, ...(typeof buttonValue === 'string' ? [buttonValue] : [])].find((v) => /[\n\t]| {5,}/.test(v));
  if (badValue !== undefined) {
    return refused(132018, 'There was an issue with the parameters in your template', 'Param text cannot have new-line/tab characters or more than 4 consecutive spaces');
  }

  const filled = bodyText.replace(/\{\{(\d+)\}\}/g, (_, n: string) => values[Number(n) - 1] ?? '');
  if ([...filled].length > 1024) return refused(132005, 'Translated text too long', 'Translated text too long');
  return undefined;
}

/**
 * The account of a clinic that had every template we ship approved as it stands (each default's
 * current WhatsApp version): what a configured service syncs with at start.
 */
export function approvedDefaultTemplates(): WabaTemplate[] {
  return DEFAULT_TEMPLATES.flatMap((t) => {
    const content = t.versions.at(-1)!;
    if (content.channel !== 'whatsapp') return [];
    return [wabaTemplate(content.name, content.language, content.body, content.button ? { urlButton: `${content.button.baseUrl}{{1}}` } : {})];
  });
}

/** A service's environment for WhatsApp through `standin` (its webhooks signed with `webhookSecret`), every other channel sandboxed. */
export function whatsappThroughStandin(standin: Pick<Dialog360Standin, 'url'>, webhookSecret: string): Record<string, string> {
  return { CHANNELS_SANDBOX: 'email,sms,push', WHATSAPP_360DIALOG_API_KEY: STANDIN_360DIALOG_KEY, WHATSAPP_360DIALOG_BASE_URL: standin.url, WHATSAPP_WEBHOOK_SECRET: webhookSecret };
}
