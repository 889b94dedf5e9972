import { randomUUID } from 'node:crypto';
import { ok, type Result } from '../../domain/result.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WALKIN_EVENT_TYPES, parseWalkInThreshold, type WalkInThresholdSet } from '../../domain/walk-in/walkin-events.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import { appendSetting, rejected, type SettingRejected } from './append-setting.ts';

/** A queue's walk-in threshold; like every admin setting, it applies to events after it in the ledger. */
export async function setWalkInThreshold(
  store: EventStore,
  input: { centreId: string; queueId: string; threshold: unknown; actor: string },
  now: Date,
): Promise<Result<{ threshold: number; position: LedgerPosition }, SettingRejected>> {
  const threshold = parseWalkInThreshold(input.threshold);
  if (!threshold.ok) return rejected(threshold.error);
  if (!input.centreId || !input.queueId) return rejected([{ path: input.centreId ? 'queueId' : 'centreId', message: 'must not be empty' }]);
  const data: WalkInThresholdSet = { centreId: input.centreId, queueId: input.queueId, threshold: threshold.value, actor: input.actor, at: now.toISOString() };
  const position = await appendSetting(
    store,
    streamName.walkinQueue(input.centreId, input.queueId),
    now,
    { id: randomUUID(), type: WALKIN_EVENT_TYPES.thresholdSet, data, metadata: { actor: input.actor } },
  );
  return ok({ threshold: threshold.value, position });
}
