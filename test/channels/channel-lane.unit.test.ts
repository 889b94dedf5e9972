import { describe, expect, it } from 'vitest';
import { ChannelLane, laneCapacity } from '../../src/channels/channel-lane.ts';

describe('a channel lane', () => {
  it.each([
    [{ concurrency: 16, perSecond: 14 }, 14],
    [{ concurrency: 16, perSecond: 80 }, 50],
    [{ concurrency: 16, perSecond: 0.5 }, 1],
  ] as const)('holds what it sends within a second, at most a claim batch: %o -> %i', (limits, capacity) => {
    expect(laneCapacity(limits, { claimBatch: 50, horizonMs: 1_000 })).toBe(capacity);
  });

  it('wants a claim for a batch of room, not for every finished send', () => {
    const lane = new ChannelLane('email', { concurrency: 16, perSecond: 12 }, { claimBatch: 50, horizonMs: 1_000 });
    expect(lane.wantsClaim).toBe(true);
    lane.claiming();
    expect(lane.claimed(12, 12)).toBe(12);
    expect(lane.room).toBe(0);
    expect(lane.finished()).toBe(false);
    expect(lane.finished()).toBe(false);
    expect(lane.wantsClaim).toBe(false);
    // The third finished send makes room for a batch (a quarter of 12): look again now.
    expect(lane.finished()).toBe(true);
    expect(lane.wantsClaim).toBe(true);
  });

  it('is caught up after a claim that found less than it asked for, until more may be due', () => {
    const lane = new ChannelLane('whatsapp', { concurrency: 16, perSecond: 80 }, { claimBatch: 50, horizonMs: 1_000 });
    lane.claiming();
    expect(lane.claimed(50, 7)).toBe(7);
    expect(lane.isCaughtUp).toBe(true);
    expect(lane.room).toBe(0);
    expect(lane.wantsClaim).toBe(false);
    lane.mayHaveMore();
    expect(lane.isCaughtUp).toBe(false);
    expect(lane.room).toBe(43);
  });

  it('keeps looking when new work was announced while its claim ran (the claim may have read the table before it)', () => {
    const lane = new ChannelLane('whatsapp', { concurrency: 16, perSecond: 80 }, { claimBatch: 50, horizonMs: 1_000 });
    lane.claiming();
    lane.mayHaveMore();
    lane.claimed(50, 0);
    expect(lane.isCaughtUp).toBe(false);
    expect(lane.wantsClaim).toBe(true);
    // The next claim, with nothing announced meanwhile, finds it caught up.
    lane.claiming();
    lane.claimed(50, 0);
    expect(lane.isCaughtUp).toBe(true);
  });

  it('keeps of a claim only what fits beside plans handed while it ran, never more than its capacity', () => {
    const lane = new ChannelLane('email', { concurrency: 16, perSecond: 3 }, { claimBatch: 50, horizonMs: 1_000 });
    const asked = lane.room;
    lane.claiming();
    // Plans handed while the claim runs take two of the three places
    expect(lane.reserve(2)).toBe(2);
    // The claim found three: it keeps one, the rest go back to the queue
    expect(lane.claimed(asked, 3)).toBe(1);
    expect(lane.inFlight).toBe(3);
    expect(lane.reserve(1)).toBe(0);
    // and the lane keeps looking once it has room: more was due than it could keep
    lane.finished();
    expect(lane.room).toBe(1);
  });
});
