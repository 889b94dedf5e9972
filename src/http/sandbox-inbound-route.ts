import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { classifyReply } from '../channels/webhooks/reply-keywords.ts';
import { recordProviderCallback, type CallbackRecorder } from '../commands/inbound/record-provider-callback.ts';
import { E164 } from '../domain/contact-schemas.ts';
import type { ApiTokens } from './api-tokens.ts';
import { BodyTooLarge, readBody, sendJson } from './http-server.ts';

export const SANDBOX_INBOUND_PATH = '/sandbox/whatsapp/messages';

const Body = z.object({ from: E164, text: z.string().min(1).max(4096) });

/**
 * POST /sandbox/whatsapp/messages `{from, text}` (admin): a patient's WhatsApp message while WhatsApp
 * runs in sandbox mode, where no provider can send one. It takes the path a 360dialog webhook takes
 * (recorded as a callback of provider `sandbox`, its timestamp now), so conversations, the front
 * desk's alert and replies can be tried without an account. Not mounted with a real WhatsApp provider.
 */
export function sandboxInboundRoute(tokens: ApiTokens, recorder: CallbackRecorder) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const caller = tokens.identify(req.headers.authorization);
    if (!caller) return sendJson(res, 401, { error: 'missing or unknown bearer token' }, { 'www-authenticate': 'Bearer' });
    if (caller.role !== 'admin') return sendJson(res, 403, { error: `role ${caller.role} may not simulate patients` });
    let raw: Buffer;
    try {
      raw = await readBody(req, 64 * 1024);
    } catch (error) {
      if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message });
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendJson(res, 400, { error: 'invalid-input', issues: [{ path: '', message: 'body is not JSON' }] });
    }
    const parsed = Body.safeParse(json);
    if (!parsed.success) {
      return sendJson(res, 400, { error: 'invalid-input', issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
    }
    const { from, text } = parsed.data;
    const messageId = `sandbox-in-${randomUUID()}`;
    const recorded = await recordProviderCallback(recorder, 'sandbox', {
      reports: [],
      suppressions: [],
      replies: [{ provider: 'sandbox', channel: 'whatsapp', from, messageId, receivedAt: recorder.clock.now().toISOString(), messageType: 'text', text, ...classifyReply(text) }],
    });
    sendJson(res, 202, { messageId, recorded: recorded.outcome === 'recorded' });
  };
}
