import type { ClinicDay } from './clinic-day.ts';
import type { DemoReads, StatRow } from './demo-reads.ts';
import type { DemoTally } from './run-clinic-day.ts';

const POLL_MS = 500;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the counts stop changing (the service has planned and sent what it will), then returns them. */
export async function settle(reads: DemoReads, from: Date, timeoutMs = 30_000): Promise<StatRow[]> {
  const deadline = Date.now() + timeoutMs;
  let previous = '';
  let steady = 0;
  for (;;) {
    const stats = await reads.deliveryStats(from);
    const key = JSON.stringify([...stats].sort((a, b) => `${a.channel}${a.status}`.localeCompare(`${b.channel}${b.status}`)));
    const moving = stats.some((s) => s.status === 'sending' && s.count > 0);
    steady = key === previous && !moving ? steady + 1 : 0;
    previous = key;
    if (steady >= 3 || Date.now() > deadline) return stats;
    await sleep(POLL_MS);
  }
}

/** Waits for the 30-minute reminders of the soonest bookings to fire, up to 30 s past their due time. */
export async function waitForReminders(reads: DemoReads, from: Date, day: ClinicDay, say: (line: string) => void): Promise<{ fired: number; bookings: number; expectedBookings: number }> {
  const expected = new Set(day.remindingBookings);
  const deadline = day.remindersDueAt.getTime() + 30_000;
  say(`Waiting for the 30-minute reminders (due ${day.remindersDueAt.toLocaleTimeString('en-IN', { timeZone: 'Asia/Kolkata' })} IST)…`);
  for (;;) {
    const reminders = (await reads.remindersSince(from)).filter((r) => r.bookingReference !== null && expected.has(r.bookingReference));
    const bookings = new Set(reminders.map((r) => r.bookingReference)).size;
    if (bookings === expected.size || Date.now() > deadline) return { fired: reminders.length, bookings, expectedBookings: expected.size };
    await sleep(POLL_MS);
  }
}

/** Over AMQP the broker only confirms: read back how many valid events reached the ledger and the duplicates it counted. */
export async function readBack(reads: DemoReads, tally: DemoTally, timeoutMs = 20_000): Promise<{ inLedger: number; duplicatesCounted: number }> {
  const deadline = Date.now() + timeoutMs;
  let missing = [...tally.validIds];
  while (missing.length > 0 && Date.now() < deadline) {
    const found = await Promise.all(missing.map(async (id) => ((await reads.duplicatesOf(id)) === null ? id : null)));
    missing = found.filter((id): id is string => id !== null);
    if (missing.length > 0) await sleep(POLL_MS);
  }
  let duplicatesCounted = 0;
  for (const id of new Set(tally.duplicateIds)) duplicatesCounted += (await reads.duplicatesOf(id)) ?? 0;
  return { inLedger: tally.validIds.length - missing.length, duplicatesCounted };
}
