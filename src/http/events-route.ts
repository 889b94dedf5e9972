import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_ENVELOPE_BYTES, parseEnvelopeBytes, type EnvelopeRejection } from '../domain/envelope.ts';
import type { ApiTokens } from './api-tokens.ts';
import type { IntakeGate } from './intake-gate.ts';
import { BodyTooLarge, readBody, sendJson } from './http-server.ts';

/**
 * POST /events: the same envelope, validation, dedup and ledger path as AMQP, for systems without
 * a broker. 202 accepted or duplicate; 400 with the field paths for bad input; nothing is recorded then.
 */
export function eventsRoute(tokens: ApiTokens, intake: IntakeGate) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const caller = tokens.identify(req.headers.authorization);
    if (!caller) return sendJson(res, 401, { error: 'missing or unknown bearer token' }, { 'www-authenticate': 'Bearer' });
    if (caller.role !== 'ingest' && caller.role !== 'admin') return sendJson(res, 403, { error: `role ${caller.role} may not publish events` });
    let body: Buffer;
    try {
      body = await readBody(req, MAX_ENVELOPE_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLarge) return rejected(res, 413, { kind: 'too-large', issues: [{ path: '', message: error.message }] });
      throw error;
    }
    const parsed = parseEnvelopeBytes(body);
    if (!parsed.ok) return rejected(res, 400, parsed.error);
    const outcome = await intake.record(parsed.value, 'http', caller.name);
    sendJson(res, 202, { eventId: parsed.value.eventId, outcome: outcome.outcome });
  };
}

function rejected(res: ServerResponse, status: number, rejection: EnvelopeRejection): void {
  sendJson(res, status, { error: { kind: rejection.kind, issues: rejection.issues } });
}
