import { z } from 'zod';
import { toFieldIssues, type FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

export const WALKIN_EVENT_TYPES = { thresholdSet: 'WalkInThresholdSet' } as const;

/** Approaching-turn messages go out when a token's position is at or below this. */
export const DEFAULT_WALKIN_THRESHOLD = 3;

/** An admin changed a queue's threshold; applies to queue updates after it in the ledger. */
export interface WalkInThresholdSet {
  centreId: string;
  queueId: string;
  threshold: number;
  actor: string;
  at: string;
}

const Threshold = z.int({ message: 'must be a whole number' }).min(1, { message: 'must be at least 1' }).max(1000, { message: 'must be at most 1000' });

export function parseWalkInThreshold(raw: unknown): Result<number, FieldIssue[]> {
  const parsed = Threshold.safeParse(raw);
  return parsed.success ? ok(parsed.data) : err(toFieldIssues(parsed.error.issues, ['threshold']));
}
