import { parseEnvelope } from '../../src/domain/envelope.ts';
import type { InboundOutcome } from '../../src/commands/inbound/record-inbound.ts';
import type { Service } from '../../src/service.ts';
import type { RawEnvelope } from './envelopes.ts';

/**
 * Records an event the way POST /events does, then waits until the projections have applied it
 * and everything the planner appended because of it (the ledger's head once the planner is past it).
 */
export async function recordAndProject(service: Service, raw: RawEnvelope): Promise<InboundOutcome> {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error(`fixture ${raw.type} is invalid: ${JSON.stringify(parsed.error)}`);
  const outcome = await service.intake.record(parsed.value, 'http');
  await service.whenProcessed(outcome.position);
  const head = await service.store.headPosition();
  if (head) await service.whenProcessed(head);
  return outcome;
}
