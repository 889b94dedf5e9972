import { randomUUID } from 'node:crypto';
import {
  QUIET_HOURS_EVENT_TYPES,
  parseQuietHours,
  type QuietHours,
  type QuietHoursCleared,
  type QuietHoursInput,
  type QuietHoursSet,
} from '../../domain/notifications/quiet-hours.ts';
import { ok, type Result } from '../../domain/result.ts';
import { streamNameProblem, streamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { appendSetting, rejected, type SettingRejected } from './append-setting.ts';

const centreIssue = (centreId: string) =>
  !centreId ? [{ path: 'centreId', message: 'must not be empty' }]
    : streamNameProblem(`quiet-hours-${centreId}`) ? [{ path: 'centreId', message: 'must be a centre id without control characters, at most 500 characters' }]
      : [];

/**
 * A centre's quiet hours, on its own wall clock. Like every admin setting they apply to events
 * recorded after them; notifications already planned (or already deferred) keep their due time.
 */
export async function setQuietHours(
  store: EventStore,
  input: QuietHoursInput & { centreId: string; actor: string },
  now: Date,
): Promise<Result<{ quietHours: QuietHours; position: LedgerPosition }, SettingRejected>> {
  const parsed = parseQuietHours(input);
  const issues = [...centreIssue(input.centreId), ...(parsed.ok ? [] : parsed.error)];
  if (!parsed.ok || issues.length > 0) return rejected(issues);
  const data: QuietHoursSet = { centreId: input.centreId, ...parsed.value, actor: input.actor, at: now.toISOString() };
  const position = await appendSetting(store, streamName.quietHours(input.centreId), now, {
    id: randomUUID(),
    type: QUIET_HOURS_EVENT_TYPES.set,
    data,
    metadata: { actor: input.actor },
  });
  return ok({ quietHours: parsed.value, position });
}

/** Removes a centre's quiet hours: from the next event on, nothing waits for the morning. */
export async function clearQuietHours(
  store: EventStore,
  input: { centreId: string; actor: string },
  now: Date,
): Promise<Result<{ position: LedgerPosition }, SettingRejected>> {
  const issues = centreIssue(input.centreId);
  if (issues.length > 0) return rejected(issues);
  const data: QuietHoursCleared = { centreId: input.centreId, actor: input.actor, at: now.toISOString() };
  const position = await appendSetting(store, streamName.quietHours(input.centreId), now, {
    id: randomUUID(),
    type: QUIET_HOURS_EVENT_TYPES.cleared,
    data,
    metadata: { actor: input.actor },
  });
  return ok({ position });
}
