import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope, type Envelope } from '../../src/domain/intake/envelope.ts';
import { streamName, type StreamName } from '../../src/domain/stream-name.ts';
import {
  LedgerInputError,
  MAX_EVENT_BYTES,
  WrongExpectedRevision,
  comparePositions,
  readStreamToArray,
  type EventStore,
  type LedgerPosition,
  type NewEvent,
  type RecordedEvent,
} from '../../src/ledger/event-store.ts';
import { recordInbound } from '../../src/commands/inbound/record-inbound.ts';
import { fixedClock } from '../support/clock.ts';
import { confirmedEnvelope } from '../support/envelopes.ts';

export interface StoreHarness {
  store: EventStore;
  /** The store as a new process would open it after a restart; the suite goes on with it. */
  restart(): Promise<EventStore>;
  close(): Promise<void>;
}

const event = (type = 'TestHappened', data: unknown = { n: 1 }): NewEvent => ({ id: randomUUID(), type, data, metadata: { actor: 'test' } });

/** A stream of a category no other test uses, so tests on one ledger never see each other's streams. */
const uniqueStream = (): StreamName => streamName.notification(`contract-${randomUUID()}`);

/**
 * Subscribes from `after` until `count` events of the given streams arrived. Other test files share
 * the server, and a transaction of theirs can hold back the horizon `headPosition` reads, so a
 * subscription may also see a few events this test did not write: they are not counted.
 */
async function collect(store: EventStore, after: LedgerPosition | null, count: number, streams: readonly string[], timeoutMs = 60_000): Promise<RecordedEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const seen: RecordedEvent[] = [];
  try {
    for await (const e of store.subscribeToAll(after, controller.signal)) {
      if (!streams.includes(e.stream)) continue;
      seen.push(e);
      if (seen.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return seen;
}

/** The one suite every EventStore adapter must pass. */
export function describeEventStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`EventStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: EventStore;

    beforeAll(async () => {
      harness = await open();
      store = harness.store;
    }, 120_000);
    afterAll(async () => harness?.close());

    it('appends events at consecutive revisions and reads the stream back in order', async () => {
      const stream = uniqueStream();
      const first = await store.append(stream, [event('A'), event('B')], 'no-stream');
      const second = await store.append(stream, [event('C')], 1n);
      expect(first).toMatchObject({ ok: true, nextRevision: 1n });
      expect(second).toMatchObject({ ok: true, nextRevision: 2n });
      const read = await readStreamToArray(store, stream);
      expect(read.map((e) => [e.type, e.revision])).toEqual([['A', 0n], ['B', 1n], ['C', 2n]]);
      expect(read[0]).toMatchObject({ stream, data: { n: 1 }, metadata: { actor: 'test' } });
      expect((await readStreamToArray(store, stream, 2n)).map((e) => e.type)).toEqual(['C']);
    });

    it('reads an unknown stream as empty', async () => {
      expect(await readStreamToArray(store, uniqueStream())).toEqual([]);
    });

    it('refuses a wrong expected revision with a typed error naming the actual revision', async () => {
      const stream = uniqueStream();
      await store.append(stream, [event()], 'no-stream');
      const again = await store.append(stream, [event()], 'no-stream');
      const stale = await store.append(stream, [event()], 5n);
      const missing = await store.append(uniqueStream(), [event()], 0n);
      expect(again.ok || stale.ok || missing.ok).toBe(false);
      if (again.ok || stale.ok || missing.ok) return;
      expect(again.error).toBeInstanceOf(WrongExpectedRevision);
      expect(again.error.actual).toBe(0n);
      expect(stale.error.actual).toBe(0n);
      expect(missing.error.actual).toBe(-1n);
      expect(await readStreamToArray(store, stream)).toHaveLength(1);
    });

    it('appends with expected revision "any" whatever the stream holds', async () => {
      const stream = uniqueStream();
      expect(await store.append(stream, [event()], 'any')).toMatchObject({ ok: true, nextRevision: 0n });
      expect(await store.append(stream, [event(), event()], 'any')).toMatchObject({ ok: true, nextRevision: 2n });
    });

    it.each([['no-stream'], ['an exact revision']])('lets exactly one of 10 racing appends at %s win', async (kind) => {
      const stream = uniqueStream();
      const expected = kind === 'no-stream' ? 'no-stream' : 0n;
      if (expected === 0n) await store.append(stream, [event()], 'no-stream');
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.append(stream, [event('Raced', { i })], expected)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.error instanceof WrongExpectedRevision)).toBe(true);
      expect((await readStreamToArray(store, stream)).filter((e) => e.type === 'Raced')).toHaveLength(1);
    });

    it('gives a subscriber from the start every event of 20 concurrent writers exactly once, in stream order, with no gaps', async () => {
      const start = await store.headPosition();
      const writers = 20;
      const perWriter = 500;
      const streams = Array.from({ length: writers }, uniqueStream);
      const subscriber = collect(store, start, writers * perWriter, streams, 120_000);
      await Promise.all(streams.map(async (stream) => {
        for (let i = 0; i < perWriter; i++) {
          const result = await store.append(stream, [event('Counted', { i })], i === 0 ? 'no-stream' : BigInt(i - 1));
          if (!result.ok) throw result.error;
        }
      }));
      const seen = (await subscriber).filter((e) => streams.includes(e.stream as StreamName));
      expect(seen).toHaveLength(writers * perWriter);
      expect(new Set(seen.map((e) => e.id)).size).toBe(writers * perWriter);
      for (let i = 1; i < seen.length; i++) expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBe(-1);
      for (const stream of streams) {
        const revisions = seen.filter((e) => e.stream === stream).map((e) => Number(e.revision));
        expect(revisions).toEqual(Array.from({ length: perWriter }, (_, i) => i));
      }
    }, 180_000);

    it('never shows a reader an event ordered before a position it has already passed', async () => {
      const start = await store.headPosition();
      const streams = Array.from({ length: 10 }, uniqueStream);
      const writes = Promise.all(streams.map(async (stream) => {
        for (let i = 0; i < 100; i++) await store.append(stream, [event()], 'any');
      }));
      let cursor = start;
      const positions: LedgerPosition[] = [];
      while (positions.length < 1000) {
        const batch = await store.readAll(cursor, 37);
        for (const e of batch) {
          if (streams.includes(e.stream as StreamName)) positions.push(e.position);
          cursor = e.position;
        }
      }
      await writes;
      const all = (await store.readAll(start, 5000)).filter((e) => streams.includes(e.stream as StreamName));
      expect(all.map((e) => e.position)).toEqual(positions);
    }, 120_000);

    it('resumes a subscription from its checkpoint after a restart, without skipping or repeating', async () => {
      const stream = uniqueStream();
      const start = await store.headPosition();
      for (let i = 0; i < 10; i++) await store.append(stream, [event('Step', { i })], 'any');
      const firstRun = await collect(store, start, 4, [stream]);
      const checkpoint = firstRun.at(-1)!.position;
      for (let i = 10; i < 15; i++) await store.append(stream, [event('Step', { i })], 'any');
      store = await harness.restart();
      const secondRun = await collect(store, checkpoint, 11, [stream]);
      expect([...firstRun, ...secondRun].map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    });

    it('tails live: an event appended after the subscriber caught up arrives', async () => {
      const stream = uniqueStream();
      const start = await store.headPosition();
      const live = collect(store, start, 1, [stream], 10_000);
      setTimeout(() => void store.append(stream, [event('Late')], 'no-stream'), 100);
      const [late] = await live;
      expect(late).toMatchObject({ stream, type: 'Late' });
    });

    it.each([
      ['an empty name', ''],
      ['a name without a category', 'nohyphen'],
      ['a name with a control character', 'notification-a\u0000b'],
      ['a reserved name', '$all-x'],
      ['a name over 512 characters', `notification-${'x'.repeat(600)}`],
    ])('refuses %s with a clear error and writes nothing', async (_label, bad) => {
      const before = await store.headPosition();
      await expect(store.append(bad as StreamName, [event()], 'any')).rejects.toSatisfy(
        (e: unknown) => e instanceof LedgerInputError && e.code === 'invalid-stream-name',
      );
      expect(await store.headPosition()).toEqual(before);
    });

    it('refuses an event over 1 MiB with a clear error and writes nothing', async () => {
      const stream = uniqueStream();
      const big = event('Big', { blob: 'x'.repeat(MAX_EVENT_BYTES) });
      await expect(store.append(stream, [event(), big], 'no-stream')).rejects.toSatisfy(
        (e: unknown) => e instanceof LedgerInputError && e.code === 'event-too-large' && /1048576/.test(e.message),
      );
      expect(await readStreamToArray(store, stream)).toEqual([]);
    });

    describe('inbound dedup', () => {
      const envelope = (eventId: string): Envelope => {
        const parsed = parseEnvelope(confirmedEnvelope({ eventId }));
        if (!parsed.ok) throw new Error('fixture is invalid');
        return parsed.value;
      };

      it('treats the same id at 4:59 as a duplicate and at 5:01 as a new receipt', async () => {
        const clock = fixedClock();
        const e = envelope(`his:${randomUUID()}`);
        expect(await recordInbound(store, e, { clock, via: 'amqp' })).toMatchObject({ outcome: 'accepted', receipt: 1 });
        clock.advance(4 * 60_000 + 59_000);
        expect(await recordInbound(store, e, { clock, via: 'amqp' })).toMatchObject({ outcome: 'duplicate', payloadMatches: true });
        clock.advance(2_000);
        expect(await recordInbound(store, e, { clock, via: 'http' })).toMatchObject({ outcome: 'accepted', receipt: 2 });
        const types = (await readStreamToArray(store, streamName.inbound(e.eventId))).map((x) => x.type);
        expect(types).toEqual(['InboundEventReceived', 'DuplicateIgnored', 'InboundEventReceived']);
      });

      it('flags a reused id whose content differs', async () => {
        const clock = fixedClock();
        const id = `his:${randomUUID()}`;
        await recordInbound(store, envelope(id), { clock, via: 'amqp' });
        const altered = { ...envelope(id), occurredAt: '2026-11-24T10:00:00Z' };
        expect(await recordInbound(store, altered, { clock, via: 'amqp' })).toMatchObject({ outcome: 'duplicate', payloadMatches: false });
      });

      it('records one receipt when 10 instances receive the same event at once', async () => {
        const clock = fixedClock();
        const e = envelope(`his:${randomUUID()}`);
        const outcomes = await Promise.all(Array.from({ length: 10 }, () => recordInbound(store, e, { clock, via: 'amqp' })));
        expect(outcomes.filter((o) => o.outcome === 'accepted')).toHaveLength(1);
        expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(9);
        const stored = await readStreamToArray(store, streamName.inbound(e.eventId));
        expect(stored.filter((x) => x.type === 'InboundEventReceived')).toHaveLength(1);
        expect(stored).toHaveLength(10);
      });

      it('keeps unknown payload fields exactly as received', async () => {
        const clock = fixedClock();
        const raw = confirmedEnvelope({ eventId: `his:${randomUUID()}` });
        (raw.data as Record<string, unknown>).upstreamExtra = { nested: [1, 'two'] };
        const parsed = parseEnvelope(raw);
        if (!parsed.ok) throw new Error('fixture is invalid');
        await recordInbound(store, parsed.value, { clock, via: 'http' });
        const [received] = await readStreamToArray(store, streamName.inbound(parsed.value.eventId));
        expect((received!.data as { data: unknown }).data).toEqual(raw.data);
      });
    });
  });
}
