import { describe, expect, it } from 'vitest';
import { ChannelLane } from '../../src/channels/channel-lane.ts';
import type { ChannelTransport, SendOutcome } from '../../src/channels/channel-port.ts';
import { sendBudgetMs, sendWithinAttempt } from '../../src/channels/send-within-attempt.ts';
import { ATTEMPT_TIMEOUT_CODE } from '../../src/domain/notifications/notification-state.ts';

const message = { notificationId: 'n-1', channel: 'whatsapp' as const, to: '+910000000000', rendered: { body: 'hi' } as never, attempt: 1 };
const lane = (perSecond = 80) => new ChannelLane('whatsapp', { concurrency: 4, perSecond }, { claimBatch: 50, horizonMs: 1_000 });

/** A transport that takes the request and never answers, and ignores any abort. */
const silent: ChannelTransport = { channel: 'whatsapp', provider: 'silent', send: () => new Promise<SendOutcome>(() => undefined) };

describe('a send within its attempt', () => {
  it('leaves the attempt time to record its outcome', () => {
    expect(sendBudgetMs(1_000)).toBe(800);
    expect(sendBudgetMs(60_000)).toBe(55_000);
  });

  it('gives up on a transport that never answers, as a retryable failure that may have been sent', async () => {
    const outcome = await sendWithinAttempt(lane(), silent, message, { timeoutMs: 20, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ kind: 'failed', provider: 'silent', retryable: true, code: ATTEMPT_TIMEOUT_CODE });
  });

  it('tells a send that never got its turn at the rate limit apart: it was not sent', async () => {
    const held = lane(1);
    const never = new AbortController();
    // The one send a second the lane allows is taken, by a transport that never answers.
    void sendWithinAttempt(held, silent, message, { timeoutMs: 60_000, signal: never.signal }).catch(() => undefined);
    const outcome = await sendWithinAttempt(held, silent, message, { timeoutMs: 20, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, code: 'no-turn-to-send' });
    never.abort();
  });

  it('gives up waiting for a send slot the same way: it was not sent', async () => {
    const busy = new ChannelLane('whatsapp', { concurrency: 1, perSecond: 80 }, { claimBatch: 50, horizonMs: 1_000 });
    const never = new AbortController();
    // The lane's only slot is taken by a send that never ends.
    void sendWithinAttempt(busy, silent, message, { timeoutMs: 60_000, signal: never.signal }).catch(() => undefined);
    const outcome = await sendWithinAttempt(busy, silent, message, { timeoutMs: 20, signal: new AbortController().signal });
    expect(outcome).toMatchObject({ kind: 'failed', retryable: true, code: 'no-turn-to-send' });
    never.abort();
  });

  it('throws when the dispatcher stops, so the open attempt is retried later', async () => {
    const stopping = new AbortController();
    const sending = sendWithinAttempt(lane(), silent, message, { timeoutMs: 60_000, signal: stopping.signal });
    stopping.abort(new Error('stopping'));
    await expect(sending).rejects.toThrow('stopping');
  });
});
