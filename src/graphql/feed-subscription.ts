import { GraphQLError } from 'graphql';
import type { DeliveryFilter, DeliveryUpdate } from './delivery-feed.ts';

/** One subscriber's queue: an async iterator that ends when the client goes or falls too far behind. */
export class FeedSubscription implements AsyncIterableIterator<DeliveryUpdate> {
  readonly #queue: DeliveryUpdate[] = [];
  #waiting: ((result: IteratorResult<DeliveryUpdate>) => void) | null = null;
  #failWaiting: ((error: Error) => void) | null = null;
  #ended = false;
  #overflowed = false;

  constructor(
    readonly filter: DeliveryFilter,
    private readonly maxQueued: number,
    private readonly onEnd: () => void,
  ) {}

  push(update: DeliveryUpdate): void {
    if (this.#ended) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = null;
      resolve({ value: update, done: false });
      return;
    }
    if (this.#queue.length >= this.maxQueued) {
      this.#overflowed = true;
      this.end();
      return;
    }
    this.#queue.push(update);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onEnd();
    if (this.#waiting) {
      const resolve = this.#waiting;
      const fail = this.#failWaiting!;
      this.#waiting = this.#failWaiting = null;
      if (this.#overflowed) fail(new SubscriberTooSlow());
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<DeliveryUpdate>> {
    const queued = this.#queue.shift();
    if (queued) return Promise.resolve({ value: queued, done: false });
    if (this.#ended) return this.#overflowed ? Promise.reject(new SubscriberTooSlow()) : Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<DeliveryUpdate>> {
    this.#queue.length = 0;
    this.#overflowed = false;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<DeliveryUpdate> {
    return this;
  }
}

/** A subscriber fell more than the allowed number of updates behind and was cut off. */
export class SubscriberTooSlow extends GraphQLError {
  constructor() {
    super('The subscriber fell too far behind and was disconnected; subscribe again and query what was missed.', {
      extensions: { code: 'SUBSCRIBER_TOO_SLOW' },
    });
  }
}
