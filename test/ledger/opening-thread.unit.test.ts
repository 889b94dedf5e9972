import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSealed, sealJson, type DataKey } from '../../src/domain/keys/field-cipher.ts';
import { OPENING_THREAD_MIN, OpeningThread, type OpeningJob } from '../../src/ledger/opening-thread.ts';

const keys: DataKey[] = Array.from({ length: 3 }, () => Object.freeze({ keyId: randomUUID(), key: randomBytes(32) }));
const threads: OpeningThread[] = [];
afterEach(async () => {
  for (const thread of threads.splice(0)) await thread.close();
});

function jobFor(value: unknown, key: DataKey, eventId = randomUUID(), openAs = eventId): OpeningJob {
  return { eventId: openAs, sealed: parseSealed(sealJson(key, eventId, value))!, key };
}

describe('the opening thread', () => {
  it('gives back the JSON of each value, in order, under each value\'s own key', async () => {
    const thread = new OpeningThread();
    threads.push(thread);
    const values = Array.from({ length: 300 }, (_, i) => ({ name: `Anaïs ${i}`, phone: `+9198${String(i).padStart(8, '0')}`, words: 'नमस्ते'.repeat(i % 5) }));
    const out = await thread.open(values.map((value, i) => jobFor(value, keys[i % keys.length]!)));
    expect(out.map((json) => JSON.parse(json!) as unknown)).toEqual(values);
  });

  it('answers null for a value sealed for another event or under another key, and opens the rest', async () => {
    const thread = new OpeningThread();
    threads.push(thread);
    const good = jobFor({ name: 'Asha' }, keys[0]!);
    const moved = jobFor({ name: 'Ravi' }, keys[0]!, randomUUID(), randomUUID());
    const otherKey = { ...jobFor({ name: 'Meera' }, keys[1]!), key: keys[2]! };
    expect(await thread.open([good, moved, otherKey])).toEqual(['{"name":"Asha"}', null, null]);
  });

  it('takes only reads large enough, and none once closed', async () => {
    const thread = new OpeningThread();
    expect(thread.takes(OPENING_THREAD_MIN - 1)).toBe(false);
    expect(thread.takes(OPENING_THREAD_MIN)).toBe(true);
    await thread.close();
    expect(thread.takes(OPENING_THREAD_MIN * 10)).toBe(false);
  });
});
