import {
  NOTIFICATION_EVENT_TYPES as T,
  type AttemptFailed,
  type AttemptStarted,
  type NotificationPlanned,
} from './notification-events.ts';
import { backoffDelayMs } from '../backoff.ts';
import { err, ok, type Result } from '../result.ts';

/** A notification as its own stream tells it; what the dispatcher decides from. */
export interface NotificationState {
  planned: NotificationPlanned | null;
  phase: 'none' | 'suppressed' | 'planned' | 'attempting' | 'retry-wait' | 'sent' | 'failed' | 'expired';
  attempts: number;
  openAttempt: AttemptStarted | null;
  lastFailure: AttemptFailed | null;
  /** Attempts made before the last RetryRequested: the attempt budget counts from here. */
  retryFloor: number;
}

export const initialNotificationState: NotificationState = { planned: null, phase: 'none', attempts: 0, openAttempt: null, lastFailure: null, retryFloor: 0 };

export function evolveNotification(state: NotificationState, event: { type: string; data: unknown }): NotificationState {
  switch (event.type) {
    case T.planned:
      return { ...state, planned: event.data as NotificationPlanned, phase: 'planned' };
    case T.suppressed:
      return { ...state, phase: 'suppressed' };
    case T.attemptStarted: {
      const started = event.data as AttemptStarted;
      return { ...state, phase: 'attempting', attempts: started.attempt, openAttempt: started };
    }
    case T.sent:
      return { ...state, phase: 'sent', openAttempt: null };
    case T.attemptFailed: {
      const failed = event.data as AttemptFailed;
      // A retry time means another attempt comes: a retryable failure, or one that paused the channel.
      return { ...state, phase: failed.retryAt ? 'retry-wait' : 'failed', openAttempt: null, lastFailure: failed };
    }
    case T.failed:
      return { ...state, phase: 'failed', openAttempt: null };
    case T.expired:
      return { ...state, phase: 'expired', openAttempt: null };
    case T.retryRequested:
      return { ...state, phase: 'planned', openAttempt: null, lastFailure: null, retryFloor: state.attempts };
    default:
      // Provider status reports come after the send and do not change what the dispatcher does.
      return state;
  }
}

export type DispatchDecision =
  | { kind: 'skip'; reason: 'not-planned' | 'finished' | 'owned-by-another' }
  /** Waiting for a retry's time, or planned for later (quiet hours): due again at `dueAt`. */
  | { kind: 'skip'; reason: 'not-due'; dueAt: string }
  | { kind: 'attempt'; attempt: number; possibleDuplicate: boolean }
  | { kind: 'give-up'; attempts: number }
  /** Past its relevance deadline: recorded as expired, never sent late. */
  | { kind: 'expire'; sendBy: string; attempts: number };

export interface DispatchPolicy {
  maxAttempts: number;
  /** After this long, an attempt nobody finished is taken to have died with its worker. */
  attemptTimeoutMs: number;
}

/**
 * The code of an attempt the dispatcher gave up waiting on: the provider took the request and never
 * answered, so it may have sent the message.
 */
export const ATTEMPT_TIMEOUT_CODE = 'attempt-timeout';

/**
 * Whether to start an attempt now. None of our providers dedupes sends, so an attempt left open by a
 * crash, or one whose answer never came, may already have reached the recipient: retry it, but mark
 * it as a possible duplicate.
 */
export function decideDispatch(state: NotificationState, now: Date, policy: DispatchPolicy): DispatchDecision {
  if (state.phase === 'none' || state.phase === 'suppressed') return { kind: 'skip', reason: 'not-planned' };
  if (state.phase === 'sent' || state.phase === 'failed' || state.phase === 'expired') return { kind: 'skip', reason: 'finished' };
  const open = state.openAttempt;
  if (open && now.getTime() - new Date(open.startedAt).getTime() < policy.attemptTimeoutMs) return { kind: 'skip', reason: 'owned-by-another' };
  // Checked before any wait: a retry, a pause or an outage never makes a message go out late.
  const sendBy = state.planned?.sendBy;
  if (sendBy && now.getTime() >= new Date(sendBy).getTime()) return { kind: 'expire', sendBy, attempts: state.attempts };
  if (state.phase === 'retry-wait' && state.lastFailure?.retryAt && new Date(state.lastFailure.retryAt) > now) {
    return { kind: 'skip', reason: 'not-due', dueAt: state.lastFailure.retryAt };
  }
  // Planned for later (deferred to the end of quiet hours): never before its time, whoever claims it.
  // NotificationDeferred itself changes no phase: the due time is the planned one.
  const dueAt = state.planned?.dueAt;
  if (state.phase === 'planned' && dueAt && new Date(dueAt) > now) {
    return { kind: 'skip', reason: 'not-due', dueAt };
  }
  if (state.attempts - state.retryFloor >= policy.maxAttempts) return { kind: 'give-up', attempts: state.attempts };
  // An attempt left open, or one that timed out waiting for the answer, may have reached the recipient.
  const mayHaveSent = open !== null || state.lastFailure?.code === ATTEMPT_TIMEOUT_CODE;
  return { kind: 'attempt', attempt: state.attempts + 1, possibleDuplicate: mayHaveSent };
}

/** Whether a retryable failure of `attempt` may be followed by another within the attempt budget. */
export const hasAttemptsLeft = (state: NotificationState, attempt: number, policy: Pick<DispatchPolicy, 'maxAttempts'>): boolean =>
  attempt - state.retryFloor < policy.maxAttempts;

export type RetryRefusal = { reason: 'not-found' } | { reason: 'not-failed'; phase: NotificationState['phase'] };

/** Only a notification that failed for good may be retried by hand; one still in flight retries by itself. */
export function decideRetry(state: NotificationState): Result<{ previousAttempts: number }, RetryRefusal> {
  if (state.phase === 'none') return err({ reason: 'not-found' });
  if (state.phase !== 'failed') return err({ reason: 'not-failed', phase: state.phase });
  return ok({ previousAttempts: state.attempts });
}

/**
 * The wait before a send is tried again after its `attempt`-th failure (1 for the first): the
 * service's one backoff, never sooner than the provider asked.
 */
export function retryDelayMs(attempt: number, options: { baseMs: number; maxMs: number; retryAfterMs?: number; random: number }): number {
  return Math.max(backoffDelayMs(attempt - 1, options, options.random), options.retryAfterMs ?? 0);
}
