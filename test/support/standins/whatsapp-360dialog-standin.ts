import { randomBytes } from 'node:crypto';
import { headerOf, startStandin, type StandinServer } from './standin-server.ts';

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

/**
 * 360dialog's Cloud API endpoint: POST /messages with D360-API-KEY, answering like Meta
 * (contacts + messages[].id) or with 360dialog's own 401 for a wrong key.
 */
export async function start360DialogStandin(apiKey = STANDIN_360DIALOG_KEY): Promise<StandinServer> {
  return startStandin((request) => {
    if (request.method !== 'POST' || request.path !== '/messages') return { status: 404, body: { error: 'not found' } };
    if (headerOf(request, 'd360-api-key') !== apiKey) return { status: 401, body: { meta: { success: false, http_code: 401, developer_message: 'Invalid API key' } } };
    let body: { to?: unknown; messaging_product?: unknown } = {};
    try {
      body = JSON.parse(request.text) as typeof body;
    } catch {
      return { status: 400, body: metaError(100, 'Invalid parameter', 'Request body is not JSON') };
    }
    if (body.messaging_product !== 'whatsapp' || typeof body.to !== 'string') {
      return { status: 400, body: metaError(100, 'Invalid parameter', "Parameter 'to' is required") };
    }
    const wamid = `wamid.HBgM${randomBytes(12).toString('hex').toUpperCase()}`;
    return {
      status: 200,
      body: { messaging_product: 'whatsapp', contacts: [{ input: body.to, wa_id: body.to }], messages: [{ id: wamid }] },
    };
  });
}
