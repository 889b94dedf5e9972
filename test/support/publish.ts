import { expect } from 'vitest';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import type { AmqpPublisher } from '../../src/intake/amqp-publisher.ts';
import type { InboundOutcome } from '../../src/commands/inbound/record-inbound.ts';
import type { Service } from '../../src/service.ts';
import type { RawEnvelope } from './envelopes.ts';
import { until } from './until.ts';
import { lastCommitted } from './read-all-visible.ts';
import type { LedgerPosition } from '../../src/ledger/event-store.ts';

/**
 * Records an event the way POST /events does, then waits until the projections have applied it
 * and everything the planner appended because of it (the ledger's head once the planner is past it).
 * The one way tests publish an event without a broker: every test waits for the same thing.
 */
export async function recordAndProject(service: Pick<Service, 'intake' | 'whenProcessed' | 'store' | 'db'>, raw: RawEnvelope): Promise<InboundOutcome> {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error(`fixture ${raw.type} is invalid: ${JSON.stringify(parsed.error)}`);
  const outcome = await service.intake.record(parsed.value, 'http');
  await service.whenProcessed(outcome.position);
  const head = await committedHead(service);
  if (head) await service.whenProcessed(head);
  return outcome;
}

/**
 * The last event the planner committed, readable or not yet. The ledger's head read stops before
 * any transaction still running anywhere on the server (another test file's), which may put it
 * between two of the planner's appends for one event: a wait for it then saw half the notifications.
 * KurrentDB has no such lag and no ledger table: its head as it reads it.
 */
async function committedHead(service: Pick<Service, 'store' | 'db'>): Promise<LedgerPosition | null> {
  try {
    return await lastCommitted(service.db);
  } catch {
    return service.store.headPosition();
  }
}

/**
 * Publishes envelopes over AMQP, checks the broker confirmed and routed every one, then waits until
 * `recorded` holds for each event id: the one way tests publish through the broker and wait.
 */
export async function publishAndWait(
  publisher: Pick<AmqpPublisher, 'publishEnvelopes'>,
  envelopes: readonly RawEnvelope[],
  recorded: (eventId: string) => Promise<boolean>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  expect(await publisher.publishEnvelopes(envelopes)).toMatchObject({ confirmed: envelopes.length, unroutable: 0 });
  const pending = new Set(envelopes.map((e) => e.eventId));
  await until(async () => {
    for (const eventId of pending) if (await recorded(eventId)) pending.delete(eventId);
    return pending.size === 0;
  }, { timeoutMs: options.timeoutMs, what: options.what ?? `${envelopes.length} published events to be recorded` });
}
