import { randomBytes } from 'node:crypto';
import { headerOf, startStandin, type StandinServer } from './standin-server.ts';

export const STANDIN_MSG91_AUTH_KEY = 'test-msg91-authkey-0123456789';

/** MSG91's error body: `{type: 'error', message, code}` (106 is "Missing Authentication Key"). */
export function msg91Error(code: string, message: string): object {
  return { type: 'error', message, code };
}

/** What the stand-in took from one Flow API call. */
export interface Msg91Send {
  requestId: string;
  templateId: string;
  shortUrl: string;
  recipients: Record<string, string>[];
}

export interface Msg91Standin extends StandinServer {
  /** Every accepted send, in order. */
  readonly sends: Msg91Send[];
}

/**
 * MSG91's Flow API (PROVIDERS-2.md section 3): `POST /api/v5/flow` with the `authkey` header and a
 * JSON body `{template_id, short_url, recipients: [{mobiles, <variable>: value...}]}`, `mobiles` being
 * the number with its country code and no `+`. Success is `{type: 'success', message: <24-hex request
 * id>}`. MSG91 documents the error body, not the HTTP status that comes with it: here a missing or
 * wrong key is a 401 and a bad body a 400, each with MSG91's error body.
 */
export async function startMsg91Standin(authKey = STANDIN_MSG91_AUTH_KEY): Promise<Msg91Standin> {
  const sends: Msg91Send[] = [];
  const server = await startStandin((request) => {
    if (request.method !== 'POST' || request.path !== '/api/v5/flow') return { status: 404, body: msg91Error('404', 'Not Found') };
    const key = headerOf(request, 'authkey');
    if (!key) return { status: 401, body: msg91Error('106', 'Missing Authentication Key') };
    if (key !== authKey) return { status: 401, body: msg91Error('207', 'Invalid authentication key') };
    let body: unknown;
    try {
      body = JSON.parse(request.text);
    } catch {
      return { status: 400, body: msg91Error('400', 'Invalid JSON') };
    }
    const { template_id: templateId, short_url: shortUrl = '0', recipients } = (body ?? {}) as { template_id?: unknown; short_url?: unknown; recipients?: unknown };
    if (typeof templateId !== 'string' || templateId === '') return { status: 400, body: msg91Error('400', 'template_id is required') };
    if (!Array.isArray(recipients) || recipients.length === 0) return { status: 400, body: msg91Error('400', 'recipients are required') };
    for (const recipient of recipients as Record<string, unknown>[]) {
      if (typeof recipient.mobiles !== 'string' || !/^\d{10,15}$/.test(recipient.mobiles)) return { status: 400, body: msg91Error('202', 'Invalid mobile number') };
      if (Object.values(recipient).some((value) => typeof value !== 'string')) return { status: 400, body: msg91Error('400', 'variables must be strings') };
    }
    const requestId = randomBytes(12).toString('hex');
    sends.push({ requestId, templateId, shortUrl: String(shortUrl), recipients: recipients as Record<string, string>[] });
    return { status: 200, body: { type: 'success', message: requestId } };
  });
  const reset = server.reset.bind(server);
  return Object.assign(server, {
    sends,
    reset() {
      reset();
      sends.length = 0;
    },
  });
}

/** One recipient's report as MSG91's v2 webhook nests it under its request. */
export interface Msg91Report {
  number: string;
  status: number;
  desc?: string;
  failedReason?: string;
}

/** A v2 delivery report: form-encoded, `data` a JSON string of `[{senderId, requestId, userId, campaignName, report: [...]}]`. */
export function msg91V2ReportBody(requestId: string, reports: Msg91Report[]): string {
  const data = [{
    senderId: 'SNRISE', requestId, userId: '412345', campaignName: 'API',
    report: reports.map((r) => ({
      date: '2026-11-24 14:35:32', number: r.number, status: r.status, desc: r.desc ?? (r.status === 1 ? 'DELIVERED' : 'FAILED'),
      ...(r.failedReason === undefined ? {} : { failedReason: r.failedReason }), credit: '1', amount: '0.20', ctCode: '', clientid: '', INMSID: '', CRQID: '',
    })),
  }];
  return new URLSearchParams({ data: JSON.stringify(data) }).toString();
}

/** A v3 delivery report: one recipient, flat JSON. */
export function msg91V3Report(requestId: string, report: Msg91Report): object {
  return {
    date: '2026-11-24 14:35:32', number: report.number, senderId: 'SNRISE', requestId, status: String(report.status),
    desc: report.desc ?? (report.status === 1 ? 'DELIVERED' : 'FAILED'), credit: '1', userId: '412345', campaignName: 'API',
    ...(report.failedReason === undefined ? {} : { failedReason: report.failedReason }),
  };
}
