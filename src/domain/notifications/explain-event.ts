import {
  NOTIFICATION_EVENT_TYPES as T,
  type AttemptFailed,
  type FallbackPlanned,
  type NotificationDeferred,
  type NotificationExpired,
  type NotificationFailed,
  type NotificationPlanned,
  type NotificationSent,
  type NotificationSuppressed,
  type RetryRequested,
  type StatusReported,
} from './notification-events.ts';

const policyOf = (version: number): string => (version === 0 ? 'the default channel policy' : `channel policy version ${version}`);

/**
 * One step of a notification's life in words, for an auditor reading its timeline: the trigger, the
 * policy, the deadline. Never a contact: the words come from ids, codes and times only.
 */
export function explainNotificationEvent(type: string, data: unknown): string {
  switch (type) {
    case T.fallbackPlanned: {
      const f = data as FallbackPlanned;
      const why = f.reason === 'not-delivered' ? f.detail : f.reason === 'suppressed' ? `it was suppressed (${f.detail})` : f.detail;
      return `Fallback on ${f.channel} for notification ${f.fallbackOf}, because ${why}; under ${policyOf(f.policyVersion)}.`;
    }
    case T.planned: {
      const p = data as NotificationPlanned;
      const deadline = p.sendBy ? `, to be sent by ${p.sendBy} or not at all` : '';
      const next = p.fallback ? `; if it cannot reach the patient it goes on to ${p.fallback.chain.join(', then ')} (${policyOf(p.fallback.policyVersion)})` : '';
      const words = p.template ? `with template ${p.template.key} v${p.template.version}` : p.selection.kind === 'reply' ? `as ${p.selection.actor}'s reply in the patient's conversation` : 'with recorded words';
      return `Planned on ${p.channel} ${words}${deadline}${next}.`;
    }
    case T.suppressed: {
      const s = data as NotificationSuppressed;
      return `Not sent on ${s.channel}: ${s.reason} (${s.detail}).`;
    }
    case T.deferred: {
      const d = data as NotificationDeferred;
      return `Deferred by quiet hours (${d.window}) until ${d.until}.`;
    }
    case T.attemptStarted:
      return 'Attempt started.';
    case T.sent: {
      const s = data as NotificationSent;
      return `Sent through ${s.provider} (attempt ${s.attempt}).`;
    }
    case T.attemptFailed: {
      const f = data as AttemptFailed;
      return `Attempt ${f.attempt} failed at ${f.provider}: ${f.code}${f.retryAt ? `; retry at ${f.retryAt}` : ''}.`;
    }
    case T.failed: {
      const f = data as NotificationFailed;
      return `Failed for good after ${f.attempts} attempt(s): ${f.code}.`;
    }
    case T.expired: {
      const e = data as NotificationExpired;
      return `Expired: not sent by its deadline ${e.sendBy} (${e.reason}).`;
    }
    case T.statusReported: {
      const r = data as StatusReported;
      return `${r.provider} reported ${r.status}${r.code ? ` (${r.code})` : ''}.`;
    }
    case T.retryRequested: {
      const r = data as RetryRequested;
      return `Retry requested by ${r.actor}.`;
    }
    default:
      return type;
  }
}
