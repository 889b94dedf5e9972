import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_ENVELOPE_BYTES, parseEnvelopeBytes, type EnvelopeRejection } from '../domain/intake/envelope.ts';
import { maskContactsInText } from '../domain/mask-contacts-deep.ts';
import { classifyFailure } from '../ledger/infrastructure-failure.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { ApiTokens } from './api-tokens.ts';
import type { IntakeGate } from './intake-gate.ts';
import { BodyTooLarge, readBody, sendJson } from './http-server.ts';

/**
 * POST /events: the same envelope, validation, dedup and ledger path as AMQP, for systems without
 * a broker. 202 accepted or duplicate; 400 with the field paths for bad input; nothing is recorded then.
 * A failure while recording answers 503 when the ledger is unavailable (send it again later) and
 * 500 otherwise, each with an error id that the log line carries too; never a stack.
 */
export function eventsRoute(tokens: ApiTokens, intake: IntakeGate, logger: Logger) {
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
    let outcome;
    try {
      outcome = await intake.record(parsed.value, 'http', caller.name);
    } catch (error) {
      return failed(res, logger, error, parsed.value.eventId);
    }
    sendJson(res, 202, { eventId: parsed.value.eventId, outcome: outcome.outcome });
  };
}

function failed(res: ServerResponse, logger: Logger, error: unknown, eventId: string): void {
  const errorId = randomUUID();
  // A serialization failure that outlasted its retries is answered like an outage: sending it again succeeds.
  const isUnavailable = classifyFailure(error) !== 'message';
  // The message may quote the body: contacts in it are masked, as everywhere in the logs.
  const summary = error instanceof Error
    ? { type: error.constructor.name, message: maskContactsInText(error.message), code: (error as { code?: unknown }).code }
    : { message: maskContactsInText(String(error)) };
  logger.error({ errorId, eventId, error: summary }, isUnavailable ? 'ledger unavailable; event not recorded' : 'recording an event failed');
  if (isUnavailable) sendJson(res, 503, { error: 'ledger-unavailable', errorId }, { 'retry-after': '5' });
  else sendJson(res, 500, { error: 'internal', errorId });
}

function rejected(res: ServerResponse, status: number, rejection: EnvelopeRejection): void {
  sendJson(res, status, { error: { kind: rejection.kind, issues: rejection.issues } });
}
