import { describe, expect, it } from 'vitest';
import { WakeableLoop } from '../../src/ledger/wakeable-loop.ts';
import { until } from '../support/until.ts';

/** A loop whose rounds the test lets through one by one. */
function steppedLoop(options: { more?: () => boolean; sleepMs?: number } = {}) {
  const rounds: (() => void)[] = [];
  let worked = 0;
  let polls = 0;
  const loop = new WakeableLoop({
    work: () => new Promise<boolean>((resolve) => rounds.push(() => { worked += 1; resolve(options.more?.() ?? false); })),
    sleepMs: async () => options.sleepMs ?? 60_000,
    polled: () => { polls += 1; },
  });
  const finishRound = async () => (await until(() => rounds.shift(), { what: 'a round to start' }))();
  const finishPending = () => rounds.shift()?.();
  return { loop, finishRound, finishPending, worked: () => worked, polls: () => polls, pending: () => rounds.length };
}

describe('the wakeable loop', () => {
  it('given a started loop with nothing more to do, then it sleeps until woken, and a wake starts a round', async () => {
    const t = steppedLoop();
    t.loop.start();
    await t.finishRound();
    await until(() => t.loop.state === 'sleeping');
    t.loop.wake();
    await t.finishRound();
    expect(t.worked()).toBe(2);
    await until(() => t.loop.state === 'sleeping');
    await t.loop.stop();
    expect(t.loop.state).toBe('stopped');
  });

  it('given a wake during a round, then the loop goes round again instead of sleeping', async () => {
    const t = steppedLoop();
    t.loop.start();
    await until(() => t.pending() === 1);
    t.loop.wake();
    await t.finishRound();
    await t.finishRound();
    expect(t.worked()).toBe(2);
    await until(() => t.loop.state === 'sleeping');
    await t.loop.stop();
  });

  it('given a round that says more is waiting, then the next round starts at once', async () => {
    let left = 2;
    const t = steppedLoop({ more: () => left-- > 0 });
    t.loop.start();
    for (let i = 0; i < 3; i++) await t.finishRound();
    await until(() => t.loop.state === 'sleeping');
    expect(t.worked()).toBe(3);
    await t.loop.stop();
  });

  it('given a sleep that runs out with no wake, then it is told of the poll and works again', async () => {
    const t = steppedLoop({ sleepMs: 0 });
    t.loop.start();
    await t.finishRound();
    await t.finishRound();
    expect(t.polls()).toBeGreaterThanOrEqual(1);
    const stopped = t.loop.stop();
    t.finishPending();
    await stopped;
    expect(t.loop.state).toBe('stopped');
  });

  it('given a stop during a round, then the round ends and no other starts', async () => {
    const t = steppedLoop();
    t.loop.start();
    await until(() => t.pending() === 1);
    const stopped = t.loop.stop();
    expect(t.loop.signal.aborted).toBe(true);
    await t.finishRound();
    await stopped;
    expect(t.pending()).toBe(0);
    expect(t.loop.state).toBe('stopped');
  });
});
