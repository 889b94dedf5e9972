import type { WebhookEventKind } from './webhook-endpoint.ts';

/*
 * One webhook message to one endpoint, as the ledger records its attempts: `webhook-delivery-<id>`,
 * named by the message's `webhook-id`, one `WebhookDeliveryAttempted` per attempt at the revision
 * the sender read (attempt n is revision n - 1), so two senders never both record the same attempt.
 *
 *   queued (read model, from the event behind it) -> attempt 1 -> delivered
 *                                                             -> retrying -> attempt 2 -> ...
 *                                                             -> refused (the address guard) -> attempt 2 -> ...
 *                                                             -> gone (410: the endpoint is disabled)
 *   ... attempt 10 of a round -> failed (or refused) with no next attempt: it waits for a replay.
 *   WebhookDeliveriesReplayRequested (on the endpoint's stream) starts a new round, same webhook-id.
 *
 * The message itself (its body, exactly as signed) is not in the ledger: the read model builds it
 * from the event behind it, the same way on every rebuild.
 */

export const WEBHOOK_DELIVERY_EVENT_TYPES = { attempted: 'WebhookDeliveryAttempted' } as const;

/**
 * What one attempt came to:
 * - `delivered`: a 2xx;
 * - `retrying`: any other answer, a timeout or a network error, with a next attempt;
 * - `refused`: the address guard refused the target before anything was sent (retried like a failure);
 * - `gone`: a 410, after which the endpoint is disabled;
 * - `failed`: a failure with no next attempt in this round.
 */
export const WEBHOOK_ATTEMPT_OUTCOMES = ['delivered', 'retrying', 'refused', 'gone', 'failed'] as const;
export type WebhookAttemptOutcome = (typeof WEBHOOK_ATTEMPT_OUTCOMES)[number];

export interface WebhookDeliveryAttempted {
  messageId: string;
  endpointId: string;
  kind: WebhookEventKind;
  /** The ledger event the message reports. */
  sourceEventId: string;
  /** 1 for the first; numbering carries on across replays. */
  attempt: number;
  outcome: WebhookAttemptOutcome;
  /** The endpoint's HTTP status; null when none came (refused, timeout, network error). */
  httpStatus: number | null;
  /** What went wrong without an HTTP status: the guard's refusal, a timeout, a connection error. */
  error: string | null;
  latencyMs: number;
  /** The first 1 KiB of the answer's body, as UTF-8; null when none came. */
  responseBody: string | null;
  /** When the next attempt is due, on the service's clock; null when none is. */
  nextAttemptAt: string | null;
  /** The `webhook-timestamp` sent (wall-clock Unix seconds); null when nothing was sent. */
  webhookTimestamp: number | null;
  /** When the attempt was made, on the service's clock. */
  at: string;
}

/** The delivery as a reader sees it: still to send (or being retried), delivered, or given up on. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';
export const WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** A delivery's status after an attempt: pending while a next attempt is due. */
export function deliveryStatusAfter(attempt: Pick<WebhookDeliveryAttempted, 'outcome' | 'nextAttemptAt'>): WebhookDeliveryStatus {
  if (attempt.nextAttemptAt !== null) return 'pending';
  return attempt.outcome === 'delivered' ? 'delivered' : 'failed';
}
