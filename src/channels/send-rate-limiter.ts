import { setTimeout as delay } from 'node:timers/promises';

/**
 * At most `perSecond` sends in any sliding second (WhatsApp's default is 80 per number). Waiters
 * are served in order. Measured on the monotonic clock: a rate limit is about real time.
 */
export class SendRateLimiter {
  readonly #perSecond: number;
  readonly #starts: number[] = [];
  #queue: Promise<void> = Promise.resolve();

  constructor(perSecond: number, private readonly now: () => number = () => performance.now()) {
    if (!(perSecond > 0)) throw new Error('perSecond must be positive');
    this.#perSecond = perSecond;
  }

  /**
   * Starts `work` once this second has room, and answers what it answers. The work starts in the
   * same tick as its start is counted: a start counted first and made later (after other
   * continuations ran) would let the provider see more than `perSecond` calls in a second.
   */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let started!: Promise<T>;
    const turn = this.#queue.then(() => this.#take(signal, () => {
      started = work();
    }));
    // The next waiter's turn comes when this one has started, not when it has finished.
    this.#queue = turn.catch(() => undefined);
    return turn.then(() => started);
  }

  async #take(signal: AbortSignal | undefined, start: () => void): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      while (this.#starts.length > 0 && now - this.#starts[0]! >= 1000) this.#starts.shift();
      if (this.#starts.length < this.#perSecond) {
        this.#starts.push(now);
        start();
        return;
      }
      await delay(Math.max(1, Math.ceil(this.#starts[0]! + 1000 - now)), undefined, { signal });
    }
  }
}

/** At most `limit` at once. */
export class Semaphore {
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await work();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}
