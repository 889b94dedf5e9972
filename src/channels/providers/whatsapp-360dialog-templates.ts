import { z } from 'zod';
import type { Clock } from '../../domain/clock.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ObservedWhatsAppTemplate, WhatsAppTemplateStatus } from '../../domain/templates/template-events.ts';
import { createProviderHttpClient, headerValue, type HttpResponse } from './provider-http-client.ts';
import { parseJson } from './parse-json.ts';
import { excerpt, parseRetryAfterMs } from './send-failure.ts';
import { DEFAULT_360DIALOG_BASE_URL } from './whatsapp-360dialog.ts';
import type { WhatsAppTemplateLister } from '../../commands/templates/record-whatsapp-template-state.ts';

export interface WhatsAppTemplateListOptions {
  /** The channel's D360-API-KEY. */
  apiKey: string;
  /** Default `https://waba-v2.360dialog.io`. */
  baseUrl?: string;
  /** Templates asked for per page. */
  pageSize?: number;
  connectTimeoutMs?: number;
  /** Each page's request. */
  requestTimeoutMs?: number;
  /** For a Retry-After given as a date. */
  clock?: Clock;
  signal?: AbortSignal;
}

export interface WhatsAppTemplateList {
  templates: ObservedWhatsAppTemplate[];
  /** What the provider said it holds. */
  total: number;
  /**
   * False when a page came back empty before `total` was reached (the list changed while it was read):
   * a template absent from `templates` may then still exist, so do not call it missing.
   */
  complete: boolean;
  /** Items without a name or language, left out. */
  unreadable: number;
}

/** Why the list could not be read; never thrown. */
export type WhatsAppTemplateListFailure =
  | { reason: 'wrong-key'; status: number; message: string }
  | { reason: 'throttled'; status: number; message: string; retryAfterMs?: number }
  | { reason: 'provider-error'; status: number; message: string }
  | { reason: 'timeout' | 'network' | 'aborted'; message: string }
  | { reason: 'unrecognised-response'; status: number; message: string };

export const DEFAULT_TEMPLATE_PAGE_SIZE = 1000;
const systemClock: Clock = { now: () => new Date() };
// 250 names per WABA, each in a few languages: far fewer pages than this unless the provider ignores `offset`.
const MAX_PAGES = 100;

const Button = z.object({ type: z.string(), url: z.string().optional() }).passthrough();
const Component = z.object({
  type: z.string(),
  text: z.string().optional(),
  buttons: z.array(Button).optional(),
}).passthrough();
const Item = z.object({
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().catch(''),
  category: z.string().catch(''),
  components: z.array(Component).catch([]),
  rejected_reason: z.string().optional().catch(undefined),
}).passthrough();
const Page = z.object({
  total: z.number().int().nonnegative().optional(),
  waba_templates: z.array(z.unknown()),
}).passthrough();

/**
 * Reads every template of the account from 360dialog's list endpoint (PROVIDERS-2.md section 1),
 * page by page with `limit` and `offset` until it holds `total`. Run at start and every few hours, so it
 * opens its own small pool and closes it. HTTP errors are values.
 */
export async function listWhatsAppTemplates(options: WhatsAppTemplateListOptions): Promise<Result<WhatsAppTemplateList, WhatsAppTemplateListFailure>> {
  const http = createProviderHttpClient({
    baseUrl: options.baseUrl ?? DEFAULT_360DIALOG_BASE_URL,
    connections: 1,
    connectTimeoutMs: options.connectTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs,
  });
  const limit = options.pageSize ?? DEFAULT_TEMPLATE_PAGE_SIZE;
  const byKey = new Map<string, ObservedWhatsAppTemplate>();
  let unreadable = 0;
  let offset = 0;
  try {
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const result = await http.request({
        method: 'GET',
        path: `/v1/configs/templates?limit=${limit}&offset=${offset}`,
        headers: { 'd360-api-key': options.apiKey, accept: 'application/json' },
        signal: options.signal,
      });
      if (!result.ok) return err({ reason: result.failure, message: result.message });
      const { response } = result;
      if (response.status < 200 || response.status >= 300) return err(listFailure(response, (options.clock ?? systemClock).now()));
      const body = parseJson(response.text, Page);
      if (!body) return err({ reason: 'unrecognised-response', status: response.status, message: excerpt(response.text) });

      for (const raw of body.waba_templates) {
        const item = Item.safeParse(raw);
        if (!item.success) {
          unreadable += 1;
          continue;
        }
        // Keyed, so a template that moved across a page boundary while we read is counted once.
        byKey.set(`${item.data.name}\u0000${item.data.language}`, observedTemplate(item.data));
      }
      offset += body.waba_templates.length;
      const reported = body.total;
      // Without a total, a short page is the last one.
      const done = reported === undefined ? body.waba_templates.length < limit : offset >= reported || body.waba_templates.length === 0;
      if (done) {
        return ok({ templates: [...byKey.values()], total: reported ?? offset, complete: reported === undefined || offset >= reported, unreadable });
      }
    }
    return err({ reason: 'unrecognised-response', status: 200, message: `still short of total after ${MAX_PAGES} pages` });
  } finally {
    await http.close();
  }
}

function listFailure(response: HttpResponse, now: Date): WhatsAppTemplateListFailure {
  const { status } = response;
  const message = excerpt(response.text) || `HTTP ${status}`;
  if (status === 401 || status === 403) return { reason: 'wrong-key', status, message };
  if (status === 429) {
    const retryAfterMs = parseRetryAfterMs(headerValue(response.headers, 'retry-after'), now);
    return retryAfterMs === undefined ? { reason: 'throttled', status, message } : { reason: 'throttled', status, message, retryAfterMs };
  }
  return { reason: 'provider-error', status, message };
}

/** The parts of a listed template that sending depends on. */
function observedTemplate(item: z.infer<typeof Item>): ObservedWhatsAppTemplate {
  const body = item.components.find((c) => c.type.toUpperCase() === 'BODY')?.text ?? null;
  const urlButton = item.components
    .filter((c) => c.type.toUpperCase() === 'BUTTONS')
    .flatMap((c) => c.buttons ?? [])
    .find((b) => b.type.toUpperCase() === 'URL' && (b.url ?? '').includes('{{1}}'))?.url ?? null;
  const rejectedReason = item.rejected_reason && item.rejected_reason.toUpperCase() !== 'NONE' ? { rejectedReason: item.rejected_reason } : {};
  return {
    name: item.name,
    language: item.language,
    status: templateStatusOf(item.status),
    category: item.category,
    body,
    bodyParameters: body === null ? 0 : new Set(body.match(/\{\{\s*\d+\s*\}\}/g)?.map((p) => p.replace(/\s/g, ''))).size,
    urlButton,
    ...rejectedReason,
  };
}

/** 360dialog has listed statuses lower-case (`submitted`), Meta upper-case (`IN_APPEAL`): compared lower-cased. */
export function templateStatusOf(status: string): WhatsAppTemplateStatus {
  switch (status.toLowerCase()) {
    case 'approved':
      return 'approved';
    case 'pending':
    case 'submitted':
    case 'in_appeal':
      return 'pending';
    case 'rejected':
      return 'rejected';
    case 'paused':
      return 'paused';
    case 'disabled':
      return 'disabled';
    default:
      return 'other';
  }
}

/**
 * The lister the template sync runs: a list read only in part (it changed while it was read) is a
 * failure, since a template absent from it may still exist and must not be called missing.
 */
export function whatsAppTemplateLister(options: Omit<WhatsAppTemplateListOptions, 'signal'>): WhatsAppTemplateLister {
  return async (signal) => {
    const listed = await listWhatsAppTemplates({ ...options, ...(signal ? { signal } : {}) });
    if (!listed.ok) return err({ code: listed.error.reason, message: listed.error.message });
    if (!listed.value.complete) return err({ code: 'incomplete', message: `the list changed while it was read (${listed.value.templates.length} of ${listed.value.total}); try again` });
    return ok(listed.value.templates);
  };
}

