import { comparePositions, type LedgerPosition } from '../ledger/event-store.ts';

/**
 * Reaction state rows remember the ledger position of the last event applied to them, so a
 * batch repeated after a crash, or the same event reached by a second instance, is recognised:
 * such a repeat re-emits the appends decided the first time instead of deciding again.
 */
export interface PositionColumns {
  last_commit: string;
  last_prepare: string;
}

export const positionColumns = (p: LedgerPosition): PositionColumns => ({ last_commit: p.commit.toString(), last_prepare: p.prepare.toString() });

export const positionOf = (row: { last_commit: string | number; last_prepare: string | number }): LedgerPosition => ({
  commit: BigInt(row.last_commit),
  prepare: BigInt(row.last_prepare),
});

/** True when the row has already seen `position` (or a later event). */
export const hasApplied = (row: { last_commit: string | number; last_prepare: string | number } | undefined, position: LedgerPosition): boolean =>
  row !== undefined && comparePositions(positionOf(row), position) >= 0;
