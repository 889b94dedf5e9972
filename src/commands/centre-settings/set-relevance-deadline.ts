import { randomUUID } from 'node:crypto';
import { isEventType } from '../../domain/event-catalogue.ts';
import { DEADLINE_EVENT_TYPES, parseDeadlineRule, type DeadlineRule, type RelevanceDeadlineSet } from '../../domain/notifications/relevance-deadline.ts';
import { ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { appendSetting, rejected, type SettingRejected } from './append-setting.ts';

/**
 * How long an event type's messages stay worth sending, at every centre or at one. Like every admin
 * setting it applies to events recorded after it; notifications already planned keep their deadline.
 */
export async function setRelevanceDeadline(
  store: EventStore,
  input: { eventType: string; rule: { kind: string; minutes?: number | null }; centreId?: string | null; actor: string },
  now: Date,
): Promise<Result<{ rule: DeadlineRule; position: LedgerPosition }, SettingRejected>> {
  if (!isEventType(input.eventType)) return rejected([{ path: 'eventType', message: 'must be an event type of the catalogue' }]);
  if (input.centreId === '') return rejected([{ path: 'centreId', message: 'must not be empty (leave it out for every centre)' }]);
  const rule = parseDeadlineRule(input.eventType, input.rule);
  if (!rule.ok) return rejected(rule.error);
  const data: RelevanceDeadlineSet = { eventType: input.eventType, centreId: input.centreId ?? null, rule: rule.value, actor: input.actor, at: now.toISOString() };
  const position = await appendSetting(store, streamName.deadlineRules(input.eventType), now, {
    id: randomUUID(),
    type: DEADLINE_EVENT_TYPES.set,
    data,
    metadata: { actor: input.actor },
  });
  return ok({ rule: rule.value, position });
}
