import type { AppendResult, StreamAppend } from './event-store.ts';

interface Waiting<A extends StreamAppend> {
  append: A;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

export interface AppendBatcherOptions<A extends StreamAppend> {
  /** Appends in flight at once, as statements; the rest queue and go together in the next one. */
  concurrency: number;
  /** Largest number of appends in one statement. */
  maxBatch: number;
  one(append: A): Promise<AppendResult>;
  many(appends: readonly A[]): Promise<AppendResult[]>;
}

/**
 * Group commit at our level: appends made together go in one statement (one
 * transaction, one commit, one answer each), and while `concurrency` statements are in flight,
 * further appends wait and then go together; a busy ledger commits many per round trip instead of
 * queueing for the pool.
 * Each batch takes its streams' locks in name order, so two batches never wait on each other in a
 * cycle.
 */
export class AppendBatcher<A extends StreamAppend = StreamAppend> {
  readonly #queue: Waiting<A>[] = [];
  #inFlight = 0;
  #isScheduled = false;

  constructor(private readonly options: AppendBatcherOptions<A>) {}

  submit(append: A): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ append, resolve, reject });
      // Appends made in one go (a claim's attempts, a batch's plans, the messages of one broker
      // read) leave together once the code making them yields. A microtask, not the next turn of
      // the event loop: embedded PGlite answers in microtasks, and a reader that always finds more
      // would hold back a later turn for as long as it reads.
      if (!this.#isScheduled) {
        this.#isScheduled = true;
        queueMicrotask(() => {
          this.#isScheduled = false;
          this.#pump();
        });
      }
    });
  }

  #pump(): void {
    while (this.#inFlight < this.options.concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.options.maxBatch);
      this.#inFlight++;
      void this.#flush(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #flush(batch: Waiting<A>[]): Promise<void> {
    try {
      if (batch.length === 1) {
        batch[0]!.resolve(await this.options.one(batch[0]!.append));
        return;
      }
      // Stable sort: appends to one stream keep the order they were made in.
      const ordered = batch.map((w, i) => ({ w, i })).sort((a, b) => (a.w.append.stream < b.w.append.stream ? -1 : a.w.append.stream > b.w.append.stream ? 1 : a.i - b.i));
      const results = await this.options.many(ordered.map((o) => o.w.append));
      ordered.forEach((o, k) => o.w.resolve(results[k]!));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
