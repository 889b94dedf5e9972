import { ErrorType, isCommandError } from '@kurrent/kurrentdb-client';
import { LedgerUnavailable } from './event-store.ts';

// gRPC status codes the client passes through as plain errors when it cannot reach the server.
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

const UNREACHABLE_TYPES: ReadonlySet<ErrorType> = new Set([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.NOT_LEADER,
]);

/** Whether a client error means KurrentDB could not be reached or did not answer, rather than refusing. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (isCommandError(error) && UNREACHABLE_TYPES.has(error.type)) return true;
  const code = 'code' in error ? error.code : undefined;
  return code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED;
}

/** Turns "could not reach KurrentDB" into `LedgerUnavailable`; every other error is left as it is. */
export function translateError(error: unknown, what: string): unknown {
  if (error instanceof LedgerUnavailable || !isUnreachable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new LedgerUnavailable(`KurrentDB could not ${what}: ${reason}`, { cause: error });
}

/**
 * Runs one client call and gives up after `timeoutMs`. A server that accepts the connection but
 * never answers makes the client wait forever, whatever gRPC deadline it was given, so this
 * timer is the only bound a caller can rely on.
 */
export async function callWithin<T>(timeoutMs: number, what: string, call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new LedgerUnavailable(`KurrentDB did not ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const pending = call();
    // The call may still fail after we stopped waiting for it; nobody is left to hear that.
    pending.catch(() => undefined);
    return await Promise.race([pending, timeout]);
  } catch (error) {
    throw translateError(error, what);
  } finally {
    clearTimeout(timer);
  }
}
