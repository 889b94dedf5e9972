import { randomUUID } from 'node:crypto';
import type { FieldIssue } from '../domain/envelope.ts';
import { REMINDER_EVENT_TYPES, type ReminderOffsetsSet } from '../domain/reminder-events.ts';
import { parseReminderOffsets, type ReminderOffset } from '../domain/reminder-offsets.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { streamName } from '../domain/stream-name.ts';
import { WALKIN_EVENT_TYPES, parseWalkInThreshold, type WalkInThresholdSet } from '../domain/walkin-events.ts';
import type { EventStore, LedgerPosition } from '../ledger/event-store.ts';

export interface SettingRejected {
  kind: 'invalid-setting';
  /** Field paths and rules, e.g. `offsets[1]`: `must be whole hours or minutes such as 24h or 30m`; never the value. */
  issues: FieldIssue[];
}

const rejected = (issues: FieldIssue[]): { ok: false; error: SettingRejected } => err({ kind: 'invalid-setting', issues });

/**
 * Admin changes are ledger events with who made them. They take effect for events after them in
 * the ledger: the reactions fold them in order, so a replay applies each exactly where it applied live.
 */
export async function setReminderOffsets(
  store: EventStore,
  input: { centreId: string; offsets: unknown; actor: string },
  now: Date,
): Promise<Result<{ offsets: ReminderOffset[]; position: LedgerPosition }, SettingRejected>> {
  const offsets = parseReminderOffsets(input.offsets);
  if (!offsets.ok) return rejected(offsets.error);
  if (!input.centreId) return rejected([{ path: 'centreId', message: 'must not be empty' }]);
  const data: ReminderOffsetsSet = { centreId: input.centreId, offsets: offsets.value, actor: input.actor, at: now.toISOString() };
  const result = await store.append(
    streamName.centreSettings(input.centreId),
    [{ id: randomUUID(), type: REMINDER_EVENT_TYPES.offsetsSet, data, metadata: { actor: input.actor } }],
    'any',
  );
  if (!result.ok) throw result.error;
  return ok({ offsets: offsets.value, position: result.position });
}

export async function setWalkInThreshold(
  store: EventStore,
  input: { centreId: string; queueId: string; threshold: unknown; actor: string },
  now: Date,
): Promise<Result<{ threshold: number; position: LedgerPosition }, SettingRejected>> {
  const threshold = parseWalkInThreshold(input.threshold);
  if (!threshold.ok) return rejected(threshold.error);
  if (!input.centreId || !input.queueId) return rejected([{ path: input.centreId ? 'queueId' : 'centreId', message: 'must not be empty' }]);
  const data: WalkInThresholdSet = { centreId: input.centreId, queueId: input.queueId, threshold: threshold.value, actor: input.actor, at: now.toISOString() };
  const result = await store.append(
    streamName.walkinQueue(input.centreId, input.queueId),
    [{ id: randomUUID(), type: WALKIN_EVENT_TYPES.thresholdSet, data, metadata: { actor: input.actor } }],
    'any',
  );
  if (!result.ok) throw result.error;
  return ok({ threshold: threshold.value, position: result.position });
}
