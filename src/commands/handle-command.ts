import type { Clock } from '../domain/clock.ts';
import { err, ok, type Result } from '../domain/result.ts';
import type { StreamName } from '../domain/stream-name.ts';
import { readStreamToArray, type EventStore, type ExpectedRevision, type LedgerPosition, type NewEvent, type RecordedEvent } from '../ledger/event-store.ts';

/**
 * How many times a command reads, decides and appends before it answers a conflict. One bound for
 * every command: a lost race means someone else wrote the same stream meanwhile, and twenty lost
 * races in a row mean a stream so hot that the caller is better told than kept waiting.
 */
export const COMMAND_ATTEMPTS = 20;

/** How a stream's events fold into the state a decider needs. */
export interface StreamFold<S> {
  initialState: S;
  evolve: (state: S, event: RecordedEvent) => S;
}

/** A decider's answer: the events to append (none: nothing to change) and what to tell the caller. */
export interface Decided<T> {
  events: readonly NewEvent[];
  answer: T;
}

export type Decide<S, C, T, R> = (state: S, command: C, now: Date) => Result<Decided<T>, R>;

/** The stream changed between every read and its append, `COMMAND_ATTEMPTS` times in a row. Nothing was written. */
export interface CommandConflict {
  kind: 'conflict';
  stream: StreamName;
  expected: ExpectedRevision;
  /** -1n when the stream does not exist. */
  actual: bigint;
}

/** What a command came to: the decider's answer, and where its events sit (null when it appended none). */
export interface Handled<T> {
  answer: T;
  position: LedgerPosition | null;
  /** The stream's revision after the command; -1n when the stream does not exist. */
  revision: bigint;
}

/**
 * - `read` (the default): read the stream, fold, decide, append at the revision read.
 * - `assume-new`: the first attempt assumes the stream does not exist and skips the read; a stream
 *   that does exist answers with a conflict (nothing written), and the next attempt reads it. For
 *   streams that are almost always new (an inbound event, a callback), that is one statement, not two.
 * - `append-any`: never read; decide on the initial state and append at 'any'. For settings, where
 *   the last one written wins and there is nothing to race.
 */
export type CommandStart = 'read' | 'assume-new' | 'append-any';

export interface CommandOptions<C> {
  command: C;
  clock: Clock;
  start?: CommandStart;
}

/**
 * The shell around every pure decider: read -> fold -> decide(state, command, now) -> append at the
 * expected revision; on a lost race, all of it again, up to `COMMAND_ATTEMPTS`. The decider's
 * refusal comes back as it is; running out of attempts comes back as a `conflict`.
 */
export async function handleCommand<S, C, T, R>(
  store: EventStore,
  stream: StreamName,
  fold: StreamFold<S>,
  decide: Decide<S, C, T, R>,
  options: CommandOptions<C>,
): Promise<Result<Handled<T>, R | CommandConflict>> {
  const start = options.start ?? 'read';
  for (let attempt = 1; ; attempt++) {
    const skipRead = start === 'append-any' || (start === 'assume-new' && attempt === 1);
    const history = skipRead ? [] : await readStreamToArray(store, stream);
    const state = history.reduce(fold.evolve, fold.initialState);
    const decision = decide(state, options.command, options.clock.now());
    if (!decision.ok) return decision;
    const { events, answer } = decision.value;
    const revision = BigInt(history.length - 1);
    if (events.length === 0) return ok({ answer, position: null, revision });
    const expected: ExpectedRevision = start === 'append-any' ? 'any' : history.length === 0 ? 'no-stream' : revision;
    const appended = await store.append(stream, events, expected);
    if (appended.ok) return ok({ answer, position: appended.position, revision: appended.nextRevision });
    if (attempt >= COMMAND_ATTEMPTS) return err({ kind: 'conflict', stream, expected, actual: appended.error.actual });
  }
}

/** A fold that also counts the stream's events, for deciders whose event ids derive from the revision. */
export function countingEvents<S>(fold: StreamFold<S>): StreamFold<{ state: S; length: number }> {
  return {
    initialState: { state: fold.initialState, length: 0 },
    evolve: (counted, event) => ({ state: fold.evolve(counted.state, event), length: counted.length + 1 }),
  };
}

export const isConflict = <R>(refusal: R | CommandConflict): refusal is CommandConflict =>
  typeof refusal === 'object' && refusal !== null && (refusal as { kind?: unknown }).kind === 'conflict';
