import { setMaxListeners } from 'node:events';
import { waitForWake } from './wait-for-wake.ts';

/** What a loop does each round: the work, and how long it may sleep once the work is done. */
export interface LoopWork {
  /** One round of work. Answers true when more is surely waiting, to go round again at once. */
  work(signal: AbortSignal): Promise<boolean>;
  /** How long to sleep when nothing more is known to wait: until the next due time, at most the poll interval. */
  sleepMs(): Promise<number>;
  /** The sleep ran its full length with no wake: nobody said anything changed, so look at everything again. */
  polled?(): void;
}

type LoopState =
  | { name: 'idle' }
  | { name: 'working'; woken: boolean }
  | { name: 'sleeping'; wake: () => void }
  | { name: 'stopping' }
  | { name: 'stopped' };

/**
 * One worker's loop over due work in a table (the dispatcher's notifications, the scheduler's
 * reminders). Its states:
 *
 *   idle --start--> working --work done, more waiting, or woken meanwhile--> working
 *                   working --work done, nothing waiting--> sleeping
 *                   sleeping --wake (new work, a retry released, a send finished)--> working
 *                   sleeping --the sleep ran out (the poll: a lapsed lease, another instance's work)--> working
 *   working | sleeping --stop--> stopping --the round in progress ends--> stopped
 *
 * A wake while working is remembered, not lost: the round that is running may have read the table
 * before the new work arrived, so the loop goes round again instead of sleeping.
 */
export class WakeableLoop {
  #state: LoopState = { name: 'idle' };
  readonly #controller = new AbortController();
  #done: Promise<void> | null = null;

  constructor(private readonly body: LoopWork) {
    // Every operation in flight may listen for the stop (and stops listening when it ends): as many
    // listeners as operations at once, which is no leak.
    setMaxListeners(0, this.#controller.signal);
  }

  /** Aborted once the loop is asked to stop: work in flight listens to it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get state(): LoopState['name'] {
    return this.#state.name;
  }

  start(): void {
    if (this.#state.name !== 'idle') return;
    this.#state = { name: 'working', woken: false };
    this.#done = this.#run();
  }

  /** Work may be waiting: look now instead of at the next poll. */
  wake(): void {
    const state = this.#state;
    if (state.name === 'working') state.woken = true;
    else if (state.name === 'sleeping') state.wake();
  }

  /** Ends the loop once its current round is over. */
  async stop(): Promise<void> {
    this.#controller.abort();
    if (this.#state.name === 'idle') this.#state = { name: 'stopped' };
    else if (this.#state.name !== 'stopped') this.#state = { name: 'stopping' };
    await this.#done;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    for (;;) {
      const round = this.#state;
      if (round.name !== 'working') break;
      round.woken = false;
      const more = await this.body.work(signal);
      if (!this.#is('working')) break;
      if (more || round.woken) continue;
      const waitMs = await this.body.sleepMs();
      if (!this.#is('working')) break;
      if (round.woken) continue;
      let woken = false;
      await waitForWake(waitMs, signal, (wake) => {
        this.#state = { name: 'sleeping', wake: () => { woken = true; wake(); } };
      });
      if (!this.#is('sleeping')) break;
      this.#state = { name: 'working', woken: false };
      if (!woken) this.body.polled?.();
    }
    this.#state = { name: 'stopped' };
  }

  /** Asked afresh after every await: stop() and wake() change the state meanwhile. */
  #is(name: LoopState['name']): boolean {
    return this.#state.name === name;
  }
}
