import { randomUUID } from 'node:crypto';
import { REMINDER_EVENT_TYPES, type ReminderOffsetsSet } from '../../domain/reminders/reminder-events.ts';
import { parseReminderOffsets, type ReminderOffset } from '../../domain/reminders/reminder-offsets.ts';
import { ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { appendSetting, rejected, type SettingRejected } from './append-setting.ts';

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
  const position = await appendSetting(store, streamName.centreSettings(input.centreId), now, { id: randomUUID(), type: REMINDER_EVENT_TYPES.offsetsSet, data, metadata: { actor: input.actor } });
  return ok({ offsets: offsets.value, position });
}
