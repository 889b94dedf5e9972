import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_ATTEMPTS, handleCommand, type StreamFold } from '../../src/commands/handle-command.ts';
import { retryNotification } from '../../src/commands/notifications/retry-notification.ts';
import { err, ok } from '../../src/domain/result.ts';
import { streamName, type StreamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray, type EventStore, type NewEvent } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';

let ledger: LedgerDatabase;

beforeAll(async () => {
  ledger = await openLedgerDatabase();
});
afterAll(async () => ledger?.close());

const clock = fixedClock('2026-12-01T09:00:00Z');

/** A counter stream: each `Counted` adds one; the command refuses to go above a limit. */
const counter: StreamFold<number> = { initialState: 0, evolve: (n, e) => (e.type === 'Counted' ? n + 1 : n) };
const counted = (): NewEvent => ({ id: randomUUID(), type: 'Counted', data: {} });
const countUpTo = (n: number, limit: number) => (n >= limit ? err({ kind: 'at-limit' as const, n }) : ok({ answer: n + 1, events: [counted()] }));

/** The real ledger, with a rival that writes the same stream just before each of our appends, `races` times. */
function withRival(store: EventStore, races: number): EventStore & { appends: number; reads: number } {
  let left = races;
  const raced = Object.create(store) as EventStore & { appends: number; reads: number };
  raced.appends = 0;
  raced.reads = 0;
  raced.append = async (stream, events, expected) => {
    raced.appends++;
    if (left-- > 0) await store.append(stream, [counted()], 'any');
    return store.append(stream, events, expected);
  };
  raced.readStream = (stream, from) => {
    raced.reads++;
    return store.readStream(stream, from);
  };
  return raced;
}

const newStream = (): StreamName => streamName.channel(`test-${randomUUID()}`);

describe('handleCommand', () => {
  it('reads, folds, decides and appends at the revision it read', async () => {
    const stream = newStream();
    await ledger.store.append(stream, [counted()], 'no-stream');
    const result = await handleCommand(ledger.store, stream, counter, countUpTo, { command: 5, clock });
    expect(result).toMatchObject({ ok: true, value: { answer: 2, revision: 1n } });
    expect(await readStreamToArray(ledger.store, stream)).toHaveLength(2);
  });

  it("answers the decider's refusal and appends nothing", async () => {
    const stream = newStream();
    await ledger.store.append(stream, [counted(), counted()], 'no-stream');
    const result = await handleCommand(ledger.store, stream, counter, countUpTo, { command: 2, clock });
    expect(result).toEqual({ ok: false, error: { kind: 'at-limit', n: 2 } });
    expect(await readStreamToArray(ledger.store, stream)).toHaveLength(2);
  });

  it('reads again and decides again after a lost race, then appends', async () => {
    const stream = newStream();
    const store = withRival(ledger.store, 2);
    const result = await handleCommand(store, stream, counter, countUpTo, { command: 10, clock });
    // Two rival events went in first, so the third decision sees 2 and counts the third.
    expect(result).toMatchObject({ ok: true, value: { answer: 3, revision: 2n } });
    expect(store.appends).toBe(3);
  });

  it(`answers a conflict when every one of its ${COMMAND_ATTEMPTS} attempts loses the race`, async () => {
    const stream = newStream();
    const store = withRival(ledger.store, COMMAND_ATTEMPTS);
    const result = await handleCommand(store, stream, counter, countUpTo, { command: 1000, clock });
    expect(result).toMatchObject({ ok: false, error: { kind: 'conflict', stream, actual: BigInt(COMMAND_ATTEMPTS - 1) } });
    expect(store.appends).toBe(COMMAND_ATTEMPTS);
    // Only the rival's events are in the stream: none of ours.
    expect(await readStreamToArray(ledger.store, stream)).toHaveLength(COMMAND_ATTEMPTS);
  });

  it('assumes a new stream on its first attempt: one append, no read', async () => {
    const stream = newStream();
    const store = withRival(ledger.store, 0);
    const result = await handleCommand(store, stream, counter, countUpTo, { command: 5, clock, start: 'assume-new' });
    expect(result).toMatchObject({ ok: true, value: { answer: 1, revision: 0n } });
    expect({ reads: store.reads, appends: store.appends }).toEqual({ reads: 0, appends: 1 });
  });

  it('reads the stream after the assumption of a new one turns out wrong', async () => {
    const stream = newStream();
    await ledger.store.append(stream, [counted()], 'no-stream');
    const store = withRival(ledger.store, 0);
    const result = await handleCommand(store, stream, counter, countUpTo, { command: 5, clock, start: 'assume-new' });
    expect(result).toMatchObject({ ok: true, value: { answer: 2, revision: 1n } });
    expect({ reads: store.reads, appends: store.appends }).toEqual({ reads: 1, appends: 2 });
  });
});

describe('retryNotification', () => {
  it('answers a conflict, not "not failed", when the notification keeps changing under it', async () => {
    const notificationId = randomUUID();
    const stream = streamName.notification(notificationId);
    const at = clock.now().toISOString();
    await ledger.store.append(stream, [
      { id: randomUUID(), type: 'NotificationPlanned', data: { notificationId, eventId: randomUUID(), channel: 'sms', at } },
      { id: randomUUID(), type: 'NotificationFailed', data: { notificationId, at, reason: 'test' } },
    ], 'no-stream');
    const result = await retryNotification({ store: withRival(ledger.store, COMMAND_ATTEMPTS), clock }, notificationId, 'alice-admin');
    expect(result).toMatchObject({ ok: false, error: { kind: 'conflict' } });
  });
});
