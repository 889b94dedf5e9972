import type { ClinicDay, DemoStep } from './clinic-day.ts';
import type { EventSink, FieldIssue, SendOutcome } from './event-sinks.ts';

export interface DemoTally {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  published: number;
  failed: number;
  /** Malformed events and the first field error the service named for each. */
  rejections: { eventId: string; problem: string; issue: FieldIssue | null }[];
  failures: string[];
  /** Event ids sent twice on purpose, and the valid ones sent, for reading back over AMQP. */
  duplicateIds: string[];
  validIds: string[];
  malformedIds: string[];
}

export interface RunOptions {
  sink: EventSink;
  /** The whole script is spread evenly over this long. */
  durationMs: number;
  onStep?: (index: number, step: DemoStep, outcome: SendOutcome) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Sends the day's steps in order at an even pace, and counts what the service answered. */
export async function runClinicDay(day: ClinicDay, options: RunOptions): Promise<DemoTally> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const tally: DemoTally = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, published: 0, failed: 0, rejections: [], failures: [], duplicateIds: [], validIds: [], malformedIds: [] };
  const sentEnvelopes = new Map<string, Record<string, unknown> & { eventId: string; type: string }>();
  const started = now();
  const gapMs = day.steps.length > 1 ? options.durationMs / (day.steps.length - 1) : 0;

  for (const [index, step] of day.steps.entries()) {
    const wait = started + index * gapMs - now();
    if (wait > 0) await sleep(wait);
    let envelope: Record<string, unknown> & { eventId: string; type: string };
    if (step.kind === 'duplicate') {
      const original = sentEnvelopes.get(step.of);
      if (!original) throw new Error(`the script repeats ${step.of} before sending it`);
      envelope = original;
      tally.duplicateIds.push(step.of);
    } else {
      const raw = step.kind === 'event' ? step.envelope : step.envelope;
      envelope = { eventId: String(raw.eventId), type: String(raw.type), occurredAt: new Date(now()).toISOString(), data: raw.data };
      if (step.kind === 'event') {
        sentEnvelopes.set(envelope.eventId, envelope);
        tally.validIds.push(envelope.eventId);
      } else tally.malformedIds.push(envelope.eventId);
    }
    const outcome = await options.sink.send(envelope);
    tally.sent++;
    count(tally, outcome, step, envelope.eventId);
    options.onStep?.(index, step, outcome);
  }
  return tally;
}

function count(tally: DemoTally, outcome: SendOutcome, step: DemoStep, eventId: string): void {
  switch (outcome.kind) {
    case 'accepted':
      tally.accepted++;
      return;
    case 'duplicate':
      tally.duplicates++;
      return;
    case 'rejected':
      tally.rejected++;
      tally.rejections.push({ eventId, problem: step.kind === 'malformed' ? step.problem : 'unexpected', issue: outcome.issues[0] ?? null });
      return;
    case 'published':
      tally.published++;
      return;
    case 'failed':
      tally.failed++;
      if (tally.failures.length < 5) tally.failures.push(`${eventId}: ${outcome.message}`);
      return;
  }
}
