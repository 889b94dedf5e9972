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
    lane.claimed(12, 12);
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
    lane.claimed(50, 7);
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
});
