import { z } from 'zod';
import { toFieldIssues, type FieldIssue } from '../intake/envelope.ts';
import { err, ok, type Result } from '../result.ts';

/** How long before the slot a reminder goes out: whole hours (`24h`) or minutes (`30m`). */
export type ReminderOffset = string;

/** The seed document's reminders, used by every centre until an admin sets its own. */
export const DEFAULT_REMINDER_OFFSETS: readonly ReminderOffset[] = ['24h', '2h', '30m'];

const MAX_OFFSET_MS = 30 * 24 * 3_600_000;
const MAX_OFFSETS = 6;

export const ReminderOffsetSchema = z
  .string()
  .regex(/^[1-9]\d{0,4}[hm]$/, { message: 'must be whole hours or minutes such as 24h or 30m' })
  .refine((o) => !/^\d/.test(o) || offsetMs(o) <= MAX_OFFSET_MS, { message: 'must be at most 30 days' });

const OffsetList = z
  .array(ReminderOffsetSchema)
  .min(1, { message: 'must name at least one offset' })
  .max(MAX_OFFSETS, { message: `must name at most ${MAX_OFFSETS} offsets` });

export function offsetMs(offset: ReminderOffset): number {
  const amount = Number.parseInt(offset, 10);
  return offset.endsWith('h') ? amount * 3_600_000 : amount * 60_000;
}

/**
 * An admin's list of offsets, checked and put in firing order (furthest from the slot first).
 * Two spellings of one duration (`2h`, `120m`) are a mistake, not a wish for two messages.
 */
export function parseReminderOffsets(raw: unknown): Result<ReminderOffset[], FieldIssue[]> {
  const parsed = OffsetList.safeParse(raw);
  if (!parsed.success) return err(toFieldIssues(parsed.error.issues, ['offsets']));
  const byMs = new Map<number, ReminderOffset>();
  for (const [i, offset] of parsed.data.entries()) {
    const ms = offsetMs(offset);
    const same = byMs.get(ms);
    if (same) return err([{ path: `offsets[${i}]`, message: `is the same time before the slot as ${same}` }]);
    byMs.set(ms, offset);
  }
  return ok([...byMs.entries()].sort(([a], [b]) => b - a).map(([, o]) => o));
}
