import { ATTEMPT_TIMEOUT_CODE } from '../domain/notifications/notification-state.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from './channel-port.ts';
import type { ChannelLane } from './channel-lane.ts';

/**
 * How long a send may take within an attempt: the attempt timeout less a margin to record the
 * outcome. Past the attempt timeout the attempt counts as abandoned and another worker retries it,
 * so a send still waiting then would race its own retry.
 */
export const sendBudgetMs = (attemptTimeoutMs: number): number => attemptTimeoutMs - Math.min(5_000, Math.floor(attemptTimeoutMs / 5));

/**
 * Sends `message` through its channel's lane (slots, rate limit) and gives up when `timeoutMs`
 * runs out: a provider that accepts the connection and never answers costs one attempt, not the
 * attempt's lease. The request may have reached the provider, so the failure is retryable and its
 * code makes the retry a possible duplicate (see decideDispatch). A transport that ignores the
 * abort is left behind, its late answer unheard. `signal` is the dispatcher's own (shutdown):
 * that abort throws, and the open attempt is retried after the attempt timeout.
 */
export async function sendWithinAttempt(
  lane: ChannelLane,
  transport: ChannelTransport,
  message: OutboundMessage,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<SendOutcome> {
  // One controller per send, a timer cleared when it ends: a send per message must leave no timer
  // or listener behind on the dispatcher's long-lived signal.
  const controller = new AbortController();
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    controller.abort(new Error('attempt timeout'));
  }, options.timeoutMs);
  const stop = () => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', stop, { once: true });
  if (options.signal.aborted) stop();
  const timedOut = (sending: boolean): SendOutcome => ({
    kind: 'failed',
    provider: transport.provider,
    retryable: true,
    // Never sent while it waited for its turn (a send slot, the rate limit): a retry is no duplicate then.
    code: sending ? ATTEMPT_TIMEOUT_CODE : 'no-turn-to-send',
    message: sending ? `no answer within ${options.timeoutMs} ms` : `no turn to send within ${options.timeoutMs} ms`,
  });
  let sending = false;
  try {
    // The race ends the wait wherever it is: for a send slot, for the rate limit, for the answer.
    const outcome = await Promise.race([
      lane.send(() => {
        // Its turn came too late: it is not sent at all.
        controller.signal.throwIfAborted();
        sending = true;
        return transport.send(message, controller.signal);
      }, controller.signal),
      aborted(controller.signal),
    ]);
    // The transport told of our abort in its own words; say what it was.
    return outcome.kind === 'failed' && isTimedOut && !options.signal.aborted ? timedOut(true) : outcome;
  } catch (error) {
    if (options.signal.aborted || !isTimedOut) throw error;
    return timedOut(sending);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', stop);
  }
}

function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
