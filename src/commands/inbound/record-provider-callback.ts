import type { Clock } from '../../domain/clock.ts';
import { ok } from '../../domain/result.ts';
import {
  PROVIDER_CALLBACK_EVENT_TYPES,
  providerCallbackId,
  type ProviderCallbackReceived,
} from '../../domain/notifications/provider-callback-events.ts';
import { streamName } from '../../domain/stream-name.ts';
import { WrongExpectedRevision, type EventStore, type LedgerPosition } from '../../ledger/event-store.ts';
import { handleCommand, isConflict } from '../handle-command.ts';

export interface CallbackRecorder {
  store: EventStore;
  clock: Clock;
}

/** What became of a verified callback: recorded now, already recorded (a redelivery), or nothing to record. */
export type RecordedCallback =
  | { outcome: 'recorded'; callbackId: string; position: LedgerPosition }
  | { outcome: 'repeated'; callbackId: string }
  | { outcome: 'empty' };

const recorded = { initialState: false, evolve: () => true };

/**
 * Appends a verified callback to the ledger as received, and nothing else: what it means for a
 * notification or a preference is the provider-callback reaction's work, which runs from the
 * ledger and so also catches up on callbacks that arrived before their notification was sent.
 * Throws when the ledger cannot take it; the caller answers 5xx so the provider sends it again.
 */
export async function recordProviderCallback(recorder: CallbackRecorder, provider: string, batch: Pick<ProviderCallbackReceived, 'reports' | 'replies' | 'suppressions'>): Promise<RecordedCallback> {
  const callbackId = providerCallbackId(provider, batch);
  if (callbackId === null) return { outcome: 'empty' };
  // The stream is the callback: a redelivery finds it written, which is the dedup.
  const result = await handleCommand(recorder.store, streamName.providerCallback(callbackId), recorded, (exists, _command: null, now) => {
    if (exists) return ok({ answer: false, events: [] });
    const data: ProviderCallbackReceived = {
      callbackId,
      provider,
      receivedAt: now.toISOString(),
      reports: batch.reports,
      replies: batch.replies,
      suppressions: batch.suppressions,
    };
    return ok({ answer: true, events: [{ id: callbackId, type: PROVIDER_CALLBACK_EVENT_TYPES.received, data, metadata: { actor: provider, correlationId: callbackId } }] });
  }, { command: null, clock: recorder.clock, start: 'assume-new' });
  if (!result.ok) {
    if (isConflict(result.error)) throw new WrongExpectedRevision(result.error.stream, result.error.expected, result.error.actual);
    throw new Error('recording a callback refuses nothing');
  }
  const { answer, position } = result.value;
  return answer && position ? { outcome: 'recorded', callbackId, position } : { outcome: 'repeated', callbackId };
}
