/*
 * Retention of recorded message content. With RETENTION_DAYS_CONTENT set, the content keys of every
 * month that ended at least that many days ago are destroyed on a schedule, and the words sealed
 * under them read `[erased]` from then on (recipients, statuses and times stay). Each run that
 * destroyed any key is recorded once on `retention-content`, so an auditor can tell why.
 */

export const RETENTION_EVENT_TYPES = { contentApplied: 'ContentRetentionApplied' } as const;

export interface ContentRetentionApplied {
  /** The first month kept ('YYYY-MM'): content keys of every month before it were destroyed. */
  before: string;
  /** How many (person, month) keys this run destroyed; more than zero, or nothing is recorded. */
  keysDestroyed: number;
  retentionDays: number;
  at: string;
}
