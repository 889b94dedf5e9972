import { evolveChannelPause, initialChannelPauseState, isChannelPausedAt } from '../domain/notifications/channel-events.ts';
import type { Clock } from '../domain/clock.ts';
import { CHANNELS, type Channel } from '../domain/event-catalogue.ts';
import { streamName } from '../domain/stream-name.ts';
import { readStreamToArray, type EventStore } from '../ledger/event-store.ts';

/**
 * Which channels are paused (by an admin, a policy restriction or a spent quota), as their streams
 * tell it. Read at most once a second per channel: the dispatcher asks before every claim, and a
 * pause that takes a second to be seen costs at most a second's sends. Whether a pause is over is
 * judged at the Clock's instant; an answer is kept for a second of the Clock's time and of real
 * time both, so a clock that stands still (a test's) never keeps a resume from being seen.
 */
export class ChannelPauses {
  readonly #cache = new Map<Channel, { until: number; realUntil: number; paused: boolean }>();

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly realNow: () => number = () => performance.now(),
  ) {}

  async paused(): Promise<Set<Channel>> {
    const paused = new Set<Channel>();
    const now = this.clock.now();
    for (const channel of CHANNELS) {
      const cached = this.#cache.get(channel);
      if (cached && cached.until > now.getTime() && cached.realUntil > this.realNow()) {
        if (cached.paused) paused.add(channel);
        continue;
      }
      const events = await readStreamToArray(this.store, streamName.channel(channel));
      const isPaused = isChannelPausedAt(events.reduce(evolveChannelPause, initialChannelPauseState), now);
      this.#cache.set(channel, { until: now.getTime() + 1000, realUntil: this.realNow() + 1000, paused: isPaused });
      if (isPaused) paused.add(channel);
    }
    return paused;
  }

  /**
   * Whether `channel` was open when last read, at most two seconds ago (the dispatcher reads at
   * least that often, every poll): for work handed over without a claim, which cannot wait for a
   * read. A pause reaches handed work within two seconds; unknown is not open.
   */
  knownOpen(channel: Channel): boolean {
    const cached = this.#cache.get(channel);
    return cached !== undefined && !cached.paused && cached.until + 1000 > this.clock.now().getTime() && cached.realUntil + 1000 > this.realNow();
  }

  /** A pause was just recorded: read the channel's stream again at the next question. */
  forget(channel: Channel): void {
    this.#cache.delete(channel);
  }
}
