import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { ok } from '../../domain/result.ts';
import { emptyBatch, reject, requestHeader, secretsEqual, type ProviderStatusReport, type WebhookRequest, type WebhookResult } from './webhook-types.ts';

export interface Msg91WebhookConfig {
  /** The unguessable last segment of `/webhooks/msg91/<secret>`: MSG91 documents no signature for its reports. */
  secret: string;
}

export const MSG91_WEBHOOK_PREFIX = '/webhooks/msg91/';
const PROVIDER = 'msg91';

/**
 * MSG91's delivery report statuses (PROVIDERS-2.md section 3). 9 (NDNC) only applies to promotional
 * routes; every code other than 1 means the patient did not get the message.
 */
const STATUS: Record<string, { status: ProviderStatusReport['status']; reason: string | null }> = {
  '1': { status: 'delivered', reason: null },
  '2': { status: 'failed', reason: 'failed' },
  '9': { status: 'failed', reason: 'ndnc' },
  '16': { status: 'failed', reason: 'rejected' },
  '17': { status: 'failed', reason: 'blocked-number' },
  '25': { status: 'failed', reason: 'rejected' },
};
/** The "new" webhook's payload fields are chosen in the panel and may carry the status as a word. */
const STATUS_WORDS: Record<string, string> = { delivered: '1', failed: '2', ndnc: '9', rejected: '16', blocked: '17' };

const Scalar = z.union([z.string(), z.number()]).transform(String);
/** One recipient's report in any of the shapes: v2's `report[]` entry (with its batch's requestId), v3's flat JSON, and the new webhook's. */
const Report = z.object({
  requestId: Scalar.optional(),
  number: Scalar.optional(),
  telNum: Scalar.optional(),
  status: Scalar.optional(),
  desc: z.string().optional(),
  failedReason: z.string().optional(),
}).passthrough();
const V2Batch = z.array(z.object({ requestId: Scalar, report: z.array(Report) }).passthrough());

/** Whether a request path is `/webhooks/msg91/<secret>`, compared in constant time. */
export function msg91PathSecretValid(pathname: string, config: Msg91WebhookConfig): boolean {
  if (!pathname.startsWith(MSG91_WEBHOOK_PREFIX)) return false;
  return secretsEqual(decodeSegment(pathname.slice(MSG91_WEBHOOK_PREFIX.length)), config.secret);
}

/**
 * MSG91 delivery reports: v2 (form-encoded, `data` a JSON array of requests with their `report[]`),
 * v3 and the "new" webhook (flat JSON per recipient; the new one may nest JSON in strings). A report
 * is matched to its notification by `requestId`, the id the Flow API answered; its id is the request,
 * the recipient and the status, so a repeated report is recorded once. The recipient enters that id
 * only as a keyed hash: numbers never go into ids. Reports carry MSG91's local time without a zone,
 * so a report's time is its arrival, as for Twilio; the status order decides what a late one changes.
 */
export function parseMsg91Webhook(request: WebhookRequest, config: Msg91WebhookConfig): WebhookResult {
  if (!msg91PathSecretValid(new URL(request.url).pathname, config)) return reject('bad-signature', 'wrong or missing path secret');
  const entries = readEntries(request);
  if (entries === null) return reject('malformed', 'neither a v2 data array nor a JSON report');
  const at = (request.receivedAt ?? new Date()).toISOString();
  const batch = emptyBatch();
  const seen = new Set<string>();
  for (const entry of entries) {
    const number = entry.number ?? entry.telNum;
    const code = statusCode(entry.status);
    const mapped = code === undefined ? undefined : STATUS[code];
    // "On Request Received" events and statuses we do not track carry no delivery outcome.
    if (!entry.requestId || !number || code === undefined || !mapped) continue;
    const reportId = `${entry.requestId}:${recipientKey(number, config.secret)}:${code}`;
    if (seen.has(reportId)) continue;
    seen.add(reportId);
    batch.reports.push({
      provider: PROVIDER,
      providerMessageId: entry.requestId,
      status: mapped.status,
      code,
      detail: mapped.reason === null ? null : [mapped.reason, safeDetail(entry.failedReason ?? entry.desc)].filter(Boolean).join(': '),
      reportId,
      occurredAt: at,
    });
  }
  return ok(batch);
}

type Entry = z.infer<typeof Report>;

function readEntries(request: WebhookRequest): Entry[] | null {
  const text = request.rawBody.toString('utf8');
  const contentType = requestHeader(request, 'content-type') ?? '';
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const data = new URLSearchParams(text).get('data');
    return data === null ? null : fromV2(parse(data));
  }
  const json = parse(text);
  if (json === undefined) return null;
  // Some senders wrap v2's array in a JSON body's `data`, as a string or as JSON.
  if (isRecord(json) && 'data' in json) return fromV2(typeof json.data === 'string' ? parse(json.data) : json.data);
  const flat = (Array.isArray(json) ? json : [json]).map(unstring);
  const v2 = V2Batch.safeParse(flat);
  if (v2.success && flat.length > 0) return fromV2(flat);
  const reports = z.array(Report).safeParse(flat);
  return reports.success ? reports.data : null;
}

function fromV2(data: unknown): Entry[] | null {
  const batch = V2Batch.safeParse(data);
  if (!batch.success) return null;
  return batch.data.flatMap((item) => item.report.map((report) => ({ ...report, requestId: report.requestId ?? item.requestId })));
}

/** The new webhook may send a field's value as stringified JSON; only the fields we read are unwrapped. */
function unstring(value: unknown): unknown {
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const key of ['requestId', 'number', 'telNum', 'status']) {
    const field = out[key];
    if (typeof field === 'string' && field.startsWith('"')) out[key] = parse(field) ?? field;
  }
  return out;
}

function statusCode(status: string | undefined): string | undefined {
  if (status === undefined) return undefined;
  const trimmed = status.trim();
  return /^\d+$/.test(trimmed) ? String(Number(trimmed)) : STATUS_WORDS[trimmed.toLowerCase()];
}

/** The recipient in a report id: stable for one secret, useless for finding the number. */
function recipientKey(number: string, secret: string): string {
  return createHmac('sha256', secret).update(number.replace(/\D/g, '')).digest('hex').slice(0, 16);
}

/** MSG91's reason codes (`TEMPLATE-NOT-MATCHED`); anything that could hold a number is left out. */
function safeDetail(text: string | undefined): string | null {
  if (!text) return null;
  const trimmed = text.trim().slice(0, 80);
  return /^[A-Za-z][A-Za-z0-9 _.:-]*$/.test(trimmed) && !/\d{5,}/.test(trimmed) ? trimmed : null;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
