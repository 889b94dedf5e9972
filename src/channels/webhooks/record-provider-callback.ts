import type { Clock } from '../../domain/clock.ts';
import { PROVIDER_CALLBACK_EVENT_TYPES, providerCallbackId, type ProviderCallbackReceived } from '../../domain/provider-callback-events.ts';
import { streamName } from '../../domain/stream-name.ts';
import type { EventStore, LedgerPosition } from '../../ledger/event-store.ts';
import type { WebhookBatch } from './webhook-types.ts';

export interface CallbackRecorder {
  store: EventStore;
  clock: Clock;
}

/** What became of a verified callback: recorded now, already recorded (a redelivery), or nothing to record. */
export type RecordedCallback =
  | { outcome: 'recorded'; callbackId: string; position: LedgerPosition }
  | { outcome: 'repeated'; callbackId: string }
  | { outcome: 'empty' };

/**
 * Appends a verified callback to the ledger as received, and nothing else: what it means for a
 * notification or a preference is the provider-callback reaction's work, which runs from the
 * ledger and so also catches up on callbacks that arrived before their notification was sent.
 * Throws when the ledger cannot take it; the caller answers 5xx so the provider sends it again.
 */
export async function recordProviderCallback(recorder: CallbackRecorder, provider: string, batch: WebhookBatch): Promise<RecordedCallback> {
  const callbackId = providerCallbackId(provider, batch);
  if (callbackId === null) return { outcome: 'empty' };
  const data: ProviderCallbackReceived = {
    callbackId,
    provider,
    receivedAt: recorder.clock.now().toISOString(),
    reports: batch.reports,
    replies: batch.replies,
    suppressions: batch.suppressions,
  };
  // The stream is the callback: a redelivery expects no stream and loses the race, which is the dedup.
  const result = await recorder.store.append(streamName.providerCallback(callbackId), [{
    id: callbackId,
    type: PROVIDER_CALLBACK_EVENT_TYPES.received,
    data,
    metadata: { actor: provider, correlationId: callbackId },
  }], 'no-stream');
  return result.ok ? { outcome: 'recorded', callbackId, position: result.position } : { outcome: 'repeated', callbackId };
}
