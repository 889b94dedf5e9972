import type { Clock } from '../../domain/clock.ts';
import type { Result } from '../../domain/result.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { ok } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import {
  WHATSAPP_TEMPLATE_EVENT_TYPES as W,
  type ObservedWhatsAppTemplate,
  type WhatsAppTemplateRefused,
  type WhatsAppTemplatesObserved,
} from '../../domain/templates/template-events.ts';
import type { EventStore, LedgerPosition, NewEvent } from '../../ledger/event-store.ts';
import { handleCommand } from '../handle-command.ts';

interface Deps {
  store: EventStore;
  clock: Clock;
}

// What the provider says is recorded as said, in the order it was heard: nothing to decide or race.
async function appendToAccount(deps: Deps, event: NewEvent): Promise<LedgerPosition> {
  const result = await handleCommand(deps.store, streamName.whatsappTemplates(), { initialState: null, evolve: () => null }, () => ok({ answer: null, events: [event] }), {
    command: null,
    clock: deps.clock,
    start: 'append-any',
  });
  if (!result.ok) throw new Error('an append at any revision cannot conflict');
  return result.value.position!;
}

/** The account's templates as the provider listed them (a sync by an admin, or by `system` at start and every 6 hours). */
export async function recordWhatsAppTemplatesObserved(deps: Deps, command: { templates: ObservedWhatsAppTemplate[]; actor: string }): Promise<{ position: LedgerPosition; observedAt: string }> {
  const observedAt = deps.clock.now().toISOString();
  const data: WhatsAppTemplatesObserved = { observedAt, observedBy: command.actor, templates: command.templates };
  const position = await appendToAccount(deps, { id: deterministicUuid('whatsapp-templates-observed', observedAt, command.actor), type: W.observed, data, metadata: { actor: command.actor } });
  return { position, observedAt };
}

/** A send the provider refused for its template (one per failed attempt). */
export async function recordWhatsAppTemplateRefused(deps: Deps, refusal: WhatsAppTemplateRefused, attempt: number): Promise<LedgerPosition> {
  return appendToAccount(deps, {
    id: deterministicUuid('whatsapp-template-refused', refusal.notificationId, attempt),
    type: W.refused,
    data: refusal,
    metadata: { correlationId: refusal.notificationId },
  });
}

/** Lists the account's templates at the WhatsApp provider: a typed failure, never a throw, for what the provider answers. */
export type WhatsAppTemplateLister = (signal?: AbortSignal) => Promise<Result<ObservedWhatsAppTemplate[], { code: string; message: string }>>;

export interface SyncFailure {
  kind: 'provider-unavailable';
  code: string;
  message: string;
}

/** Reads the account's templates and records what the provider said; planning then judges every mapped version by it. */
export async function syncWhatsAppTemplates(
  deps: Deps & { list: WhatsAppTemplateLister },
  actor: string,
  signal?: AbortSignal,
): Promise<Result<{ templates: ObservedWhatsAppTemplate[]; position: LedgerPosition; observedAt: string }, SyncFailure>> {
  const listed = await deps.list(signal);
  if (!listed.ok) return { ok: false, error: { kind: 'provider-unavailable', ...listed.error } };
  const { position, observedAt } = await recordWhatsAppTemplatesObserved(deps, { templates: listed.value, actor });
  return { ok: true, value: { templates: listed.value, position, observedAt } };
}

