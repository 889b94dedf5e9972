import type { Channel, EventType } from '../event-catalogue.ts';
import type { RenderedMessage } from '../templates/rendered-message.ts';

/** The provider name in-app sends and reads are recorded under. */
export const IN_APP_PROVIDER = 'in-app';

/**
 * The life of one notification, recorded in `notification-<id>`:
 *
 *   NotificationPlanned -> AttemptStarted -> NotificationSent -> StatusReported(delivered) -> StatusReported(read)
 *                                         -> AttemptFailed(retryable) -> AttemptStarted -> ...
 *                                         -> AttemptFailed(permanent) / NotificationFailed
 *   NotificationFailed -> RetryRequested (an admin) -> AttemptStarted -> ... with a fresh attempt budget
 *   NotificationSuppressed (instead of NotificationPlanned) when it must not be sent.
 *   NotificationPlanned -> NotificationDeferred (quiet hours) -> AttemptStarted at its end -> ...
 *   NotificationPlanned -> NotificationExpired when it cannot be sent by its deadline.
 *   FallbackPlanned -> NotificationPlanned | NotificationSuppressed: a fallback's stream opens with why it exists.
 *   NotificationPlanned (a fallback) -> NotificationSuppressed(original-delivered) when the original arrived first.
 *
 * Status order: planned < deferred < sending < sent < delivered < read; failed, bounced, suppressed and expired are
 * terminal. A webhook never moves a status backwards.
 */
export const NOTIFICATION_STATUSES = ['planned', 'deferred', 'sending', 'sent', 'delivered', 'read', 'failed', 'bounced', 'suppressed', 'expired'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export type RecipientKind = 'patient' | 'staff';

export interface Recipient {
  kind: RecipientKind;
  /** The person's id upstream (patient) or in the staff directory. */
  id: string;
  name?: string;
  /** The address the message goes to: E.164 phone, email, push token or staff id for in-app. */
  address: string;
  locale: string;
}

/** Why a notification was selected: a catalogue entry for patients, a routing rule for staff. */
export type Selection =
  | { kind: 'catalogue'; eventType: string }
  | { kind: 'routing-rule'; ruleId: string; ruleVersion: number }
  | { kind: 'reminder'; offset: string; scheduledBy: string }
  | { kind: 'walkin-threshold'; threshold: number }
  | { kind: 'emergency-leave'; appointmentId: string }
  /** The front desk's answer in a patient's conversation. */
  | { kind: 'reply'; conversationId: string; actor: string };

export interface NotificationPlanned {
  notificationId: string;
  /** The inbound eventId that caused it. */
  eventId: string;
  eventType: EventType;
  centreId: string | null;
  bookingReference: string | null;
  appointmentId: string | null;
  channel: Channel;
  recipient: Recipient;
  selection: Selection;
  /** Absent for a front-desk reply, whose words no template made. */
  template?: { key: string; version: number; locale: string };
  variables: Record<string, string>;
  /**
   * Whose words these are, when not the recipient's: a staff alert about a patient (their reply, their
   * report). The words are sealed under that person's keys, so erasing the patient erases them too.
   */
  about?: { kind: 'patient' | 'contact'; id: string };
  /**
   * The words, rendered once at planning and sent exactly as recorded. Absent on notifications
   * planned before templates were ledger data: those are rendered once, with their recorded version.
   */
  content?: RenderedMessage;
  /** When the dispatcher may send it (now, or a reminder's due time). */
  dueAt: string;
  /**
   * After this it is not sent at all (`NotificationExpired`): its relevance deadline. Absent on
   * notifications planned before deadlines existed, which have none.
   */
  sendBy?: string;
  plannedAt: string;
  /** A fallback: the notification it stands in for (its stream opens with FallbackPlanned). */
  fallbackOf?: string;
  /** Where it goes next if it cannot reach the patient; absent when nowhere. */
  fallback?: FallbackArm;
}

/**
 * A notification's way on when it cannot reach the patient: the policy's chain for its channel, kept
 * to channels the patient has an address for (SMS only where a route takes the number). No contact.
 */
export interface FallbackArm {
  /** Where it would go next under the policy it was planned with; the policy in force at the trigger decides. */
  chain: Channel[];
  policyVersion: number;
  undeliveredAfterMinutes: number;
  /** Which of the event's people it is for (fan-out events name several): a fallback is for the same one. */
  targetIndex: number;
  /** The primary channel the chain hangs from (the original's). */
  root: Channel;
  /** The channels the chain has used so far, the root first: none is tried twice. */
  tried: Channel[];
  /** The channels the person has an address for (SMS: one a route takes). */
  reachable: Channel[];
}

export const SUPPRESSION_REASONS = [
  'no-contact',
  'invalid-contact',
  'opted-out',
  'bounced-address',
  'template-error',
  'covered-by-emergency-leave',
  'channel-paused',
  'template-not-approved',
  'dlt-mismatch',
  /** A fallback whose original was delivered (or read) before the fallback went out. */
  'original-delivered',
  /** A reminder deferred by quiet hours that a later reminder of the same appointment overtakes. */
  'superseded',
  /** The person was erased: what was recorded of them before can no longer be sent. */
  'erased',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface NotificationSuppressed {
  notificationId: string;
  eventId: string;
  eventType: string;
  centreId: string | null;
  bookingReference: string | null;
  appointmentId: string | null;
  channel: Channel;
  recipient: Omit<Recipient, 'address'> & { address: string | null };
  selection: Selection;
  reason: SuppressionReason;
  /** Human-readable detail: which template and variable, which opt-out. Never a contact. */
  detail: string;
  suppressedAt: string;
  /** A fallback: the notification it stands in for. */
  fallbackOf?: string;
  /** Where it goes next: only for a suppression another channel gets round (opted out, not approved, ...). */
  fallback?: FallbackArm;
  /** The deadline it would have had, for a suppression another channel gets round: its fallback inherits it. */
  sendBy?: string;
}

/**
 * Quiet hours at the recipient's centre: planned now, sent at `until` (the window's end). Appended
 * with the NotificationPlanned it defers; the dispatcher does not take it before `until`.
 */
export interface NotificationDeferred {
  notificationId: string;
  until: string;
  /** The window in force, in the centre's time zone: `22:00-08:00 Asia/Kolkata`. */
  window: string;
  deferredAt: string;
}

/** What sets off a fallback: the original's suppression, its permanent failure, or no delivery in time. */
export const FALLBACK_REASONS = ['suppressed', 'failed', 'not-delivered'] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];

/**
 * The first event of a fallback's own stream, `notification-<id>` with an id derived from the
 * original's and the channel: so a trigger seen twice, or replayed, finds the stream taken.
 */
export interface FallbackPlanned {
  notificationId: string;
  /** The notification it stands in for. */
  fallbackOf: string;
  channel: Channel;
  reason: FallbackReason;
  /** The trigger in words: `opted-out`, `131026 ...`, `not delivered 15 min after sent`; never a contact. */
  detail: string;
  /** The policy the chain came from: the event type's (or centre's) version, 0 for the product default. */
  policyVersion: number;
  plannedAt: string;
}

export interface AttemptStarted {
  notificationId: string;
  attempt: number;
  worker: string;
  startedAt: string;
  /** An earlier attempt was left open by a crash: it may already have reached the recipient. */
  possibleDuplicate: boolean;
}

export interface NotificationSent {
  notificationId: string;
  attempt: number;
  provider: string;
  providerMessageId: string;
  sentAt: string;
  /**
   * Whether the provider reports delivery back, as configured when it was sent: what arms "not
   * delivered in time". Recorded so a replay arms the same watches whatever its configuration;
   * absent on sends recorded before it was, which read the configuration.
   */
  receiptsExpected?: boolean;
}

export interface AttemptFailed {
  notificationId: string;
  attempt: number;
  provider: string;
  retryable: boolean;
  code: string;
  message: string;
  failedAt: string;
  /** When the next attempt may start: for a retryable failure, or one that paused the channel, under the attempt limit. */
  retryAt: string | null;
}

export interface NotificationFailed {
  notificationId: string;
  attempts: number;
  code: string;
  message: string;
  failedAt: string;
}

/**
 * An admin asked for another attempt at a failed notification. It plans it again, due now, with a
 * fresh attempt budget; attempt numbers carry on from where they stopped.
 */
export interface RetryRequested {
  notificationId: string;
  /** Attempts made before this request. */
  previousAttempts: number;
  requestedAt: string;
  actor: string;
}

/** A provider told us what happened after the send (a webhook). */
export interface StatusReported {
  notificationId: string;
  provider: string;
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'bounced';
  code: string | null;
  detail: string | null;
  reportedAt: string;
  /** The webhook's own id for the report, for idempotence (SNS MessageId, ...). */
  reportId: string;
}

/** Not sent by its relevance deadline (`sendBy`): it is never sent late, whatever held it up. */
export interface NotificationExpired {
  notificationId: string;
  sendBy: string;
  /** What held it up: never tried, or the attempts that failed before the deadline. */
  reason: 'not-sent-in-time' | 'retries-ran-past-deadline' | 'deferred-past-deadline';
  attempts: number;
  expiredAt: string;
}

export const NOTIFICATION_EVENT_TYPES = {
  planned: 'NotificationPlanned',
  suppressed: 'NotificationSuppressed',
  attemptStarted: 'AttemptStarted',
  sent: 'NotificationSent',
  attemptFailed: 'AttemptFailed',
  failed: 'NotificationFailed',
  statusReported: 'StatusReported',
  retryRequested: 'RetryRequested',
  expired: 'NotificationExpired',
  deferred: 'NotificationDeferred',
  fallbackPlanned: 'FallbackPlanned',
} as const;
