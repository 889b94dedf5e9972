import type { NotificationStatus, StatusReported } from './notification-events.ts';

const RANK: Record<NotificationStatus, number> = { planned: 0, deferred: 1, sending: 2, sent: 3, delivered: 4, read: 5, failed: 6, bounced: 6, suppressed: 6, expired: 6 };
const TERMINAL = new Set<NotificationStatus>(['failed', 'bounced', 'suppressed', 'expired']);

/**
 * The status a provider report moves a notification to, or null when it would move it backwards.
 * Reports arrive unordered: `delivered` after `read` changes nothing, and a failure after delivery
 * is noted in the timeline but does not undo the delivery.
 */
export function statusAfterReport(current: NotificationStatus, reported: StatusReported['status']): NotificationStatus | null {
  if (TERMINAL.has(current)) return null;
  if (reported === 'failed' || reported === 'bounced') return RANK[current] <= RANK.sent ? reported : null;
  return RANK[reported] > RANK[current] ? reported : null;
}
