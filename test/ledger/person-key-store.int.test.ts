import { contentScope } from '../../src/domain/keys/personal-data.ts';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJson, sealJson, type DataKey, type DestroyedKey } from '../../src/domain/keys/field-cipher.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import {
  KeyDestroyed,
  MasterKeyMismatch,
  PersonKeyStore,
  retentionCutoffMonth,
  type Person,
} from '../../src/ledger/person-key-store.ts';
import { connectPglite, connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { until } from '../support/until.ts';

// Two instances of the service share one database: "here" and "elsewhere", each with its own
// connections, key store and cache, as two processes would.
const keys = deriveLedgerKeys(Buffer.alloc(32, 1));
const wrongKeys = deriveLedgerKeys(Buffer.alloc(32, 2));
const clock = fixedClock('2026-12-03T10:00:00Z');

let database: TestDatabase;
let hereConnection: SqlConnection;
let elsewhereConnection: SqlConnection;
let here: PersonKeyStore;
let elsewhere: PersonKeyStore;

const patient = (): Person => ({ kind: 'patient', id: `p-${randomUUID()}` });
const isDestroyed = (found: DataKey | DestroyedKey | null): found is DestroyedKey => found !== null && 'destroyed' in found;

/** Every row of the key store, as text: what a database dump would show. */
async function keyStoreDump(connection: SqlConnection): Promise<string[]> {
  const { rows } = await sql<{ row: string }>`select k::text as row from person_keys k order by key_id`.execute(connection.db);
  return rows.map((r) => r.row);
}

beforeAll(async () => {
  database = await createTestDatabase();
  hereConnection = connectPostgres(database.url, { applicationName: 'keys-here' });
  elsewhereConnection = connectPostgres(database.url, { applicationName: 'keys-elsewhere' });
  [here, elsewhere] = await Promise.all([
    PersonKeyStore.open(hereConnection, keys, { databaseUrl: database.url, clock }),
    PersonKeyStore.open(elsewhereConnection, keys, { databaseUrl: database.url, clock }),
  ]);
});

afterAll(async () => {
  await here?.close();
  await elsewhere?.close();
  await hereConnection?.close();
  await elsewhereConnection?.close();
  await database?.drop();
});

describe('a person key store on PostgreSQL, shared by two instances', () => {
  it('gives two instances racing for the same people the same keys, one row each', async () => {
    const people = Array.from({ length: 20 }, patient);
    const [fromHere, fromElsewhere] = await Promise.all([
      here.liveKeys(people.map((person) => ({ person }))),
      elsewhere.liveKeys([...people].reverse().map((person) => ({ person }))),
    ]);
    expect(fromElsewhere.reverse()).toEqual(fromHere);
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from person_keys where person_id = any(${people.map((p) => p.id)})
    `.execute(hereConnection.db);
    expect(rows[0]!.n).toBe('20');
  });

  it('never deadlocks when instances ask for the same people in opposite orders', async () => {
    for (let round = 0; round < 5; round++) {
      const people = Array.from({ length: 200 }, patient);
      const [fromHere, fromElsewhere] = await Promise.all([
        here.liveKeys(people.map((person) => ({ person }))),
        elsewhere.liveKeys([...people].reverse().map((person) => ({ person }))),
      ]);
      expect(fromElsewhere.reverse()).toEqual(fromHere);
    }
  });

  it('answers the same key for a person named twice in one batch, and one key per scope', async () => {
    const person = patient();
    const [first, again, content] = await here.liveKeys([{ person }, { person, scope: 'data' }, { person, scope: 'content:2026-12' }]);
    expect(again).toEqual(first);
    expect(content!.keyId).not.toBe(first!.keyId);
    expect(await here.liveKey(person)).toEqual(first);
  });

  it('has committed a new key when liveKey returns: another connection reads it at once', async () => {
    const person = patient();
    const key = await here.liveKey(person);
    const { rows } = await sql<{ person_id: string; scope: string }>`
      select person_id, scope from person_keys where key_id = ${key.keyId}::uuid
    `.execute(elsewhereConnection.db);
    expect(rows).toEqual([{ person_id: person.id, scope: 'data' }]);
    expect(await elsewhere.keyById(key.keyId)).toEqual(key);
  });

  it('keeps only wrapped keys in the table: no raw key bytes anywhere in it', async () => {
    const made = await here.liveKeys([{ person: patient() }, { person: patient(), scope: 'content:2026-11' }]);
    const dump = (await keyStoreDump(hereConnection)).join('\n');
    for (const { key } of made) expect(dump).not.toContain(key.toString('hex'));
    const { rows } = await sql<{ n: string }>`
      select count(*)::text as n from person_keys where position(${made[0]!.key}::bytea in wrapped) > 0 or position(${made[1]!.key}::bytea in wrapped) > 0
    `.execute(hereConnection.db);
    expect(rows[0]!.n).toBe('0');
  });

  it('refuses, before the other instance writes again, a key erased on one instance', async () => {
    // Given a patient whose key the other instance holds (and has cached)
    const person = patient();
    const key = await elsewhere.liveKey(person);
    expect(await elsewhere.keyById(key.keyId)).toEqual(key);
    // When one instance erases the patient
    expect(await here.destroyPerson(person, 'consent withdrawn')).toBe(1);
    // Then the other instance's check before its next write refuses the key, whatever its cache held
    const refused = await elsewhere.assertLive([key.keyId]).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KeyDestroyed);
    expect((refused as KeyDestroyed).keyIds).toEqual([key.keyId]);
    expect(await elsewhere.keyById(key.keyId)).toEqual({ destroyed: true, keyId: key.keyId, at: clock.now(), reason: 'consent withdrawn' });
  });

  it('hands out for a write a new key once an erasure on another instance is heard, never the erased one', async () => {
    const person = patient();
    const key = await elsewhere.liveKey(person);
    await here.destroyPerson(person, 'consent withdrawn');
    // The cached key stops being handed out when the NOTIFY of its destruction arrives.
    await until(async () => (await elsewhere.liveKey(person)).keyId !== key.keyId, { what: 'the other instance to hear of the erasure' });
    const next = await elsewhere.liveKey(person);
    expect(next.keyId).not.toBe(key.keyId);
    expect(next.key.equals(key.key)).toBe(false);
    // What the erased key sealed opens under nothing the store still hands out.
    const sealed = sealJson(key, 'evt-1', { phone: '+919876543210' });
    expect(openJson(next, 'evt-1', sealed)).toEqual({ ok: false, error: 'does-not-open' });
    expect(isDestroyed(await elsewhere.keyById(key.keyId))).toBe(true);
  });

  it('makes the other instance forget an erased key it had cached, through NOTIFY', async () => {
    const person = patient();
    const key = await elsewhere.liveKey(person);
    const before = elsewhere.cacheStats().hits;
    expect(await elsewhere.keyById(key.keyId)).toEqual(key);
    expect(elsewhere.cacheStats().hits).toBe(before + 1);
    await here.destroyPerson(person, 'consent withdrawn');
    // Nothing else asks the table for this key: only the notification can turn the cached key away.
    await until(async () => isDestroyed(await elsewhere.keyById(key.keyId)), { what: 'the other instance to forget the erased key' });
  });

  it('destroys every scope of the person, and only that person', async () => {
    const person = patient();
    const neighbour = patient();
    const [data, october, november] = await here.liveKeys([
      { person },
      { person, scope: 'content:2026-10' },
      { person, scope: 'content:2026-11' },
    ]);
    const neighbours = await here.liveKey(neighbour);
    expect(await here.destroyPerson(person, 'purpose served')).toBe(3);
    const found = await elsewhere.keysById([data!.keyId, october!.keyId, november!.keyId, neighbours.keyId]);
    expect([data, october, november].map((k) => isDestroyed(found.get(k!.keyId)!))).toEqual([true, true, true]);
    expect(found.get(neighbours.keyId)).toEqual(neighbours);
    // Destroyed already: a second erasure destroys nothing more.
    expect(await here.destroyPerson(person, 'purpose served')).toBe(0);
    await expect(elsewhere.assertLive([neighbours.keyId])).resolves.toBeUndefined();
  });

  it('destroys the content keys of months past retention, and no data key', async () => {
    const person = patient();
    const [data, october, november, december] = await here.liveKeys([
      { person },
      { person, scope: 'content:2026-10' },
      { person, scope: 'content:2026-11' },
      { person, scope: contentScope(clock.now().toISOString()) },
    ]);
    expect(retentionCutoffMonth(clock.now(), 30)).toBe('2026-11');
    await here.destroyContentKeysBefore(retentionCutoffMonth(clock.now(), 30));
    const found = await elsewhere.keysById([data!.keyId, october!.keyId, november!.keyId, december!.keyId]);
    expect(found.get(data!.keyId)).toEqual(data);
    expect(found.get(october!.keyId)).toMatchObject({ destroyed: true, reason: 'retention' });
    expect(found.get(november!.keyId)).toEqual(november);
    expect(found.get(december!.keyId)).toEqual(december);
  });

  it('answers null for a key id never made', async () => {
    expect(await here.keyById(randomUUID())).toBeNull();
    expect(await here.keyById('not-a-key')).toBeNull();
    await expect(here.assertLive([randomUUID()])).rejects.toThrow(/unknown key ids/);
  });

  it('refuses to open under another master key, saying so, and changes nothing', async () => {
    await here.liveKey(patient());
    const before = await keyStoreDump(hereConnection);
    const refused = await PersonKeyStore.open(hereConnection, wrongKeys, { databaseUrl: database.url }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MasterKeyMismatch);
    expect((refused as Error).message).toMatch(/LEDGER_MASTER_KEY does not match/);
    expect(await keyStoreDump(hereConnection)).toEqual(before);
    expect(await here.verifyMasterKey()).toEqual({ ok: true, value: 'verified' });
  });

  it('keeps no more keys in memory than its bound, the least recently used dropped first', async () => {
    const small = await PersonKeyStore.open(hereConnection, keys, { databaseUrl: database.url, cacheSize: 3 });
    try {
      const made = await small.liveKeys(Array.from({ length: 5 }, () => ({ person: patient() })));
      expect(small.cacheStats()).toMatchObject({ size: 3, bound: 3 });
      // The last three are cached; the first two were dropped, and are read again when asked for.
      await small.keyById(made[4]!.keyId);
      expect(small.cacheStats()).toMatchObject({ hits: 1, misses: 0 });
      expect(await small.keyById(made[0]!.keyId)).toEqual(made[0]);
      expect(small.cacheStats()).toMatchObject({ size: 3, hits: 1, misses: 1 });
      // made[2] was the least recently used: made[0] took its place, made[4] was just used.
      await small.keyById(made[4]!.keyId);
      await small.keyById(made[2]!.keyId);
      expect(small.cacheStats()).toMatchObject({ size: 3, hits: 2, misses: 2 });
    } finally {
      await small.close();
    }
  });
});

describe('a person key store that loses its LISTEN connection', () => {
  it('forgets every key it cached, and caches again once it listens again', async () => {
    const key = await elsewhere.liveKey(patient());
    expect(elsewhere.cacheStats().size).toBeGreaterThan(0);
    // The server ends the LISTEN connections (a restart, a network cut): erasures may go unheard.
    await sql`
      select pg_terminate_backend(pid) from pg_stat_activity
       where datname = current_database() and application_name = 'clinic-notification-ledger:person-keys'
    `.execute(hereConnection.db);
    await until(() => elsewhere.cacheStats().size === 0, { what: 'the cache to be emptied' });
    expect(await elsewhere.keyById(key.keyId)).toEqual(key);
    await until(async () => {
      await elsewhere.keyById(key.keyId);
      return elsewhere.cacheStats().size > 0;
    }, { what: 'the store to listen, and cache, again' });
  });
});

describe('a person key store on embedded PGlite', () => {
  it('keeps keys across restarts, destroys them, and refuses another master key even once every key is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cnl-keys-'));
    let connection = await connectPglite(dir);
    try {
      let store = await PersonKeyStore.open(connection, keys);
      const person = patient();
      const key = await store.liveKey(person);
      expect(await store.liveKey(person)).toEqual(key);
      expect((await keyStoreDump(connection)).join('\n')).not.toContain(key.key.toString('hex'));

      // A restart: the same key, unwrapped again from the table.
      await store.close();
      await connection.close();
      connection = await connectPglite(dir);
      store = await PersonKeyStore.open(connection, keys);
      expect(await store.keyById(key.keyId)).toEqual(key);

      expect(await store.destroyPerson(person, 'consent withdrawn')).toBe(1);
      expect(isDestroyed(await store.keyById(key.keyId))).toBe(true);
      await expect(store.assertLive([key.keyId])).rejects.toBeInstanceOf(KeyDestroyed);
      const next = await store.liveKey(person);
      expect(next.keyId).not.toBe(key.keyId);
      await store.destroyPerson(person, 'consent withdrawn');

      // No live key is left to test a master key against; the check written at the first start is.
      const before = await keyStoreDump(connection);
      await expect(PersonKeyStore.open(connection, wrongKeys)).rejects.toBeInstanceOf(MasterKeyMismatch);
      expect(await keyStoreDump(connection)).toEqual(before);
    } finally {
      await connection.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
