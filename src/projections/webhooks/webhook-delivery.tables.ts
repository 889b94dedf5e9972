import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** numeric(20, 0) comes back as a string. */
type Numeric = ColumnType<string, string | bigint, string | bigint>;

/** An endpoint as the outbox saw it at its position: what it hears, and whether it is failing. */
export interface WebhookSubscriptionTable {
  endpoint_id: string;
  event_kinds: ColumnType<unknown, string, string>;
  include_contacts: boolean;
  enabled: boolean;
  /** The endpoint stream's events applied. */
  version: number;
  /** The first failed attempt after the last delivered one; null while it is not failing. */
  failing_since: Timestamp | null;
}

/**
 * One webhook message to one endpoint: its body (what is personal in it kept as cells, opened just
 * before it is signed and sent: sealed-webhook-body.ts), and how its attempts went.
 */
export interface WebhookDeliveryTable {
  /** The `webhook-id`. */
  message_id: string;
  endpoint_id: string;
  kind: string;
  source_event_id: string;
  source_commit: Numeric;
  source_prepare: Numeric;
  /** When the event behind it happened: what a replay's `from` is compared with. */
  event_at: Timestamp;
  body: string;
  status: string;
  attempts: Generated<number>;
  /** Attempts made before the current round (a replay starts one): the schedule counts from here. */
  round_start: Generated<number>;
  /** Null while pending: due at once. */
  next_attempt_at: Timestamp | null;
  last_attempt_at: Timestamp | null;
  last_outcome: string | null;
  last_http_status: number | null;
  /** Operational: the sender holding it, and until when (the service's clock). */
  claimed_by: string | null;
  claimed_until: Timestamp | null;
}

export interface WebhookDeliveryAttemptTable {
  message_id: string;
  attempt: number;
  at: Timestamp;
  outcome: string;
  http_status: number | null;
  error: string | null;
  latency_ms: number;
  response_body: string | null;
  next_attempt_at: Timestamp | null;
}
