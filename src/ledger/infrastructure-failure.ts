import { backoffDelayMs } from '../domain/backoff.ts';
import { isUnreachable } from './kurrentdb-call.ts';
import { LedgerUnavailable } from './event-store.ts';

/**
 * What a failure while handling one message says about whom it concerns:
 * - `infrastructure`: the ledger (or the way to it) is down or overloaded; every message would fail
 *   alike, so the intake pauses and the message waits in the queue;
 * - `retry-in-place`: a transaction lost a race inside PostgreSQL (serialization failure, deadlock);
 *   the same work succeeds when simply run again;
 * - `message`: anything else. It is this message's problem, and it must not hold up the others.
 */
export type FailureClass = 'infrastructure' | 'retry-in-place' | 'message';

type ErrorClass = abstract new (...args: never[]) => Error;

export interface ClassifyOptions {
  /** Error classes of the caller's own that mean "unavailable": its timeout on a ledger call, its pause. */
  infrastructure?: readonly ErrorClass[];
}

/** Node's error codes for a connection that could not be made or was lost. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTCONN',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CLOSED',
  'ERR_STREAM_DESTROYED',
]);

/** pg and pg-pool raise these as plain Errors, with no code, when a connection is lost or never made. */
const PG_CONNECTION_MESSAGES: ReadonlySet<string> = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Query read timeout',
  'timeout expired',
]);

const RETRY_IN_PLACE_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01']);

/** SQLSTATE classes 08 (connection exception), 53 (insufficient resources), and 57P01-57P03 (shutdown, cannot connect now). */
const isInfrastructureSqlState = (code: string): boolean => /^(08|53)[0-9A-Z]{3}$/.test(code) || /^57P0[1-3]$/.test(code);
const isSqlState = (code: string): boolean => /^[0-9A-Z]{5}$/.test(code);

/**
 * Classifies a failure, looking through `cause` chains and AggregateErrors (a pool's connect tries
 * several addresses): the most serious class found anywhere wins, infrastructure before retry.
 */
export function classifyFailure(error: unknown, options: ClassifyOptions = {}): FailureClass {
  let found: FailureClass = 'message';
  const seen = new Set<unknown>();
  // Iterative, and guarded against cycles: a cause chain is data from libraries we do not control.
  const pending: unknown[] = [error];
  while (pending.length > 0 && seen.size < 100) {
    const current = pending.pop();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const own = classifyOne(current, options);
    if (own === 'infrastructure') return own;
    if (own === 'retry-in-place') found = own;
    if (current instanceof AggregateError) pending.push(...(current.errors as unknown[]));
    if ('cause' in current) pending.push(current.cause);
  }
  return found;
}

function classifyOne(error: object, options: ClassifyOptions): FailureClass {
  if (error instanceof LedgerUnavailable) return 'infrastructure';
  if (options.infrastructure?.some((kind) => error instanceof kind)) return 'infrastructure';
  if (isUnreachable(error)) return 'infrastructure';
  const code = 'code' in error ? error.code : undefined;
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code)) return 'infrastructure';
    if (isSqlState(code)) {
      if (isInfrastructureSqlState(code)) return 'infrastructure';
      if (RETRY_IN_PLACE_SQLSTATES.has(code)) return 'retry-in-place';
    }
  }
  if (error instanceof Error && code === undefined && PG_CONNECTION_MESSAGES.has(error.message)) return 'infrastructure';
  return 'message';
}

export interface RetryInPlaceOptions {
  /** Runs after the first, at most. */
  retries?: number;
  /** The wait before the first retry; doubled before each next one. */
  firstDelayMs?: number;
}

/**
 * Runs `work`, and runs it again (a few times, after a short wait) while it fails with a
 * serialization failure or a deadlock: the other transaction has finished by then. Any other
 * failure, or the last retry's, is the caller's to classify.
 */
export async function retryingInPlace<T>(work: () => Promise<T>, options: RetryInPlaceOptions = {}): Promise<T> {
  const retries = options.retries ?? 3;
  const backoff = { baseMs: options.firstDelayMs ?? 10, maxMs: Number.POSITIVE_INFINITY };
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= retries || classifyFailure(error) !== 'retry-in-place') throw error;
    }
    // No jitter: the other transaction has finished by the first wait, so there is no crowd to spread.
    await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(attempt, backoff, 1)));
  }
}
