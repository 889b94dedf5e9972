import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/domain/event-catalogue.ts';
import { deriveLedgerKeys, parseMasterKey, type LedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../src/domain/notifications/preference-events.ts';
import { streamName, type StreamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray, type EventStore, type RecordedEvent } from '../../src/ledger/event-store.ts';
import { renamePreferenceStreams } from '../../src/ledger/migrations/keyed/0001_preference_streams_by_keyed_hash.ts';
import { runKeyedLedgerMigrations } from '../../src/ledger/migrations/keyed/keyed-ledger-migrations.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPglite, connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { blockedAddressHash } from '../../src/projections/deliveries/contact-blocks.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';
import { lastCommitted, readAllVisible } from '../support/read-all-visible.ts';
import { startTestService, type TestService } from '../support/service.ts';

// Ledgers written before preference streams were named by keyed hash hold them as
// `preference-<channel>:<address>`. The keyed migration renames them in place: same events, ids,
// revisions and ledger positions, nothing left under an address, and a second run changes nothing.

const clock = fixedClock();
const keys = deriveLedgerKeys(Buffer.alloc(32, 9));
const PHONE = '+919800012345';
const OTHER_PHONE = '+919800067890';
// An APNs device token is 64 hex digits: it must not pass for a name already hashed.
const APNS_TOKEN = 'a3f1'.repeat(16);

const old = (channel: Channel, address: string) => `preference-${channel}:${address}` as StreamName;

function optOut(channel: Channel, address: string): ContactOptedOut {
  return { channel, address, personId: null, reason: 'stop-reply', at: clock.now().toISOString(), actor: 'patient' };
}
function optIn(channel: Channel, address: string): ContactOptedIn {
  return { channel, address, personId: null, at: clock.now().toISOString(), actor: 'patient' };
}

async function append(store: EventStore, stream: StreamName, type: 'optedOut' | 'optedIn', data: ContactOptedOut | ContactOptedIn): Promise<void> {
  const result = await store.append(stream, [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES[type], data, metadata: { actor: 'patient' } }], 'any');
  if (!result.ok) throw result.error;
  clock.advance(1000);
}

/** Preference streams as an older ledger holds them, interleaved with each other and with streams the migration leaves alone. */
async function writeOlderLedger(store: EventStore): Promise<void> {
  await append(store, old('whatsapp', PHONE), 'optedOut', optOut('whatsapp', PHONE));
  await append(store, streamName.personPreference('pat-1'), 'optedOut', { ...optOut('sms', PHONE), address: null, personId: 'pat-1', reason: 'admin' });
  await append(store, old('email', 'Asha@Example.test'), 'optedOut', optOut('email', 'Asha@Example.test'));
  await append(store, old('whatsapp', PHONE), 'optedIn', optIn('whatsapp', PHONE));
  await append(store, old('push', APNS_TOKEN), 'optedOut', { ...optOut('push', APNS_TOKEN), reason: 'permanent-bounce' });
  // The same email as above, cased otherwise: both hash to one stream.
  await append(store, old('email', 'asha@example.test'), 'optedIn', optIn('email', 'asha@example.test'));
  await append(store, old('whatsapp', PHONE), 'optedOut', optOut('whatsapp', PHONE));
  // A stream already under its new name (written by this version) beside an older one of the same number.
  await append(store, streamName.contactPreference(keys, 'sms', OTHER_PHONE), 'optedOut', optOut('sms', OTHER_PHONE));
  await append(store, old('sms', OTHER_PHONE), 'optedIn', optIn('sms', OTHER_PHONE));
}

const readLedger = async (store: EventStore, connection: SqlConnection): Promise<RecordedEvent[]> => readAllVisible(store, null, 1000, await lastCommitted(connection.db));

/** Where each event should be after the rename: the builder's name for the address in its data. */
function expectedStream(event: RecordedEvent, hashing: Pick<LedgerKeys, 'contactHash'>): string {
  const data = event.data as ContactOptedOut;
  return data.address === null ? event.stream : streamName.contactPreference(hashing, data.channel, data.address);
}

async function preferenceStreamNames(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ stream_name: string }>`select stream_name from ledger_streams where stream_name like 'preference-%' order by stream_name`.execute(db);
  return rows.map((r) => r.stream_name);
}

/** Rows of the ledger's tables that hold any of the addresses, as text. */
async function rowsNaming(db: Kysely<unknown>, table: 'ledger_streams' | 'ledger_events', column: 'stream_name'): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select count(*)::text as n from ${sql.table(table)}
     where ${sql.ref(column)} like '%9800012345%' or ${sql.ref(column)} like '%9800067890%'
        or lower(${sql.ref(column)}) like '%asha%' or ${sql.ref(column)} like ${`%${APNS_TOKEN}%`}
  `.execute(db);
  return Number(rows[0]!.n);
}

function describeRename(name: string, open: () => Promise<{ connection: SqlConnection; close(): Promise<void> }>) {
  describe(`the keyed rename of preference streams on ${name}`, () => {
    let connection: SqlConnection;
    let store: PostgresEventStore;
    let close: () => Promise<void>;
    let before: RecordedEvent[];

    beforeAll(async () => {
      ({ connection, close } = await open());
      store = await PostgresEventStore.open(connection);
      await writeOlderLedger(store);
      before = await readLedger(store, connection);
    }, 60_000);
    afterAll(async () => close?.());

    it('changes nothing when it fails midway: the whole rename is one transaction', async () => {
      await expect(connection.db.transaction().execute(async (trx) => {
        await renamePreferenceStreams(trx, keys.contactHash);
        throw new Error('the process died here');
      })).rejects.toThrow('the process died here');
      expect(await readLedger(store, connection)).toEqual(before);
    });

    it('moves every event to the stream named by the keyed hash of its address, with its id, position and data', async () => {
      const report = await runKeyedLedgerMigrations(connection.db, keys);
      // The WhatsApp number and the push token as they were; the two emails, and the SMS number old and new, merged.
      expect(report).toEqual({ preferenceStreams: { renamed: 2, merged: 2 } });

      const after = await readLedger(store, connection);
      expect(after.map((e) => e.id)).toEqual(before.map((e) => e.id));
      expect(after.map((e) => e.position)).toEqual(before.map((e) => e.position));
      expect(after.map((e) => [e.type, e.data, e.metadata, e.recordedAt])).toEqual(before.map((e) => [e.type, e.data, e.metadata, e.recordedAt]));
      expect(after.map((e) => e.stream)).toEqual(before.map((e) => expectedStream(e, keys)));
    });

    it('keeps the revisions of a renamed stream, and numbers a merged one in ledger order', async () => {
      const whatsapp = await readStreamToArray(store, streamName.contactPreference(keys, 'whatsapp', PHONE));
      expect(whatsapp.map((e) => [e.type, e.revision])).toEqual([['ContactOptedOut', 0n], ['ContactOptedIn', 1n], ['ContactOptedOut', 2n]]);
      expect(whatsapp.map((e) => e.id)).toEqual(before.filter((e) => e.stream === old('whatsapp', PHONE)).map((e) => e.id));

      const email = await readStreamToArray(store, streamName.contactPreference(keys, 'email', 'asha@example.test'));
      expect(email.map((e) => [(e.data as ContactOptedOut).address, e.type, e.revision])).toEqual([
        ['Asha@Example.test', 'ContactOptedOut', 0n],
        ['asha@example.test', 'ContactOptedIn', 1n],
      ]);
      const sms = await readStreamToArray(store, streamName.contactPreference(keys, 'sms', OTHER_PHONE));
      expect(sms.map((e) => [e.type, e.revision])).toEqual([['ContactOptedOut', 0n], ['ContactOptedIn', 1n]]);
    });

    it('leaves no stream named after an address, and the streams take appends at their revisions', async () => {
      for (const stream of [old('whatsapp', PHONE), old('email', 'Asha@Example.test'), old('email', 'asha@example.test'), old('push', APNS_TOKEN), old('sms', OTHER_PHONE)]) {
        expect(await readStreamToArray(store, stream)).toEqual([]);
      }
      expect(await rowsNaming(connection.db, 'ledger_streams', 'stream_name')).toBe(0);
      expect(await rowsNaming(connection.db, 'ledger_events', 'stream_name')).toBe(0);
      expect(await preferenceStreamNames(connection.db)).toEqual([
        ...['email', 'push', 'sms', 'whatsapp'].map((channel) => expect.stringMatching(new RegExp(`^preference-contact:${channel}:[0-9a-f]{64}$`))),
        'preference-person:pat-1',
      ]);
      const next = { id: randomUUID(), type: PREFERENCE_EVENT_TYPES.optedIn, data: optIn('whatsapp', PHONE) };
      expect(await store.append(streamName.contactPreference(keys, 'whatsapp', PHONE), [next], 2n)).toMatchObject({ ok: true, nextRevision: 3n });
      expect(await store.append(streamName.contactPreference(keys, 'email', 'asha@example.test'), [{ ...next, id: randomUUID() }], 1n)).toMatchObject({ ok: true, nextRevision: 2n });
    });

    it('changes nothing when it runs again', async () => {
      const settled = await readLedger(store, connection);
      const names = await preferenceStreamNames(connection.db);
      expect(await runKeyedLedgerMigrations(connection.db, keys)).toEqual({});
      // Even asked to rename again, past its record: every name is hashed already.
      expect(await connection.db.transaction().execute((trx) => renamePreferenceStreams(trx, keys.contactHash))).toEqual({ renamed: 0, merged: 0 });
      expect(await readLedger(store, connection)).toEqual(settled);
      expect(await preferenceStreamNames(connection.db)).toEqual(names);
    });
  });
}

describeRename('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const connection = connectPostgres(database.url);
  return { connection, close: async () => { await connection.close(); await database.drop(); } };
});

describeRename('PGlite (embedded)', async () => {
  const connection = await connectPglite();
  return { connection, close: () => connection.close() };
});

describe('a service started on an older ledger', () => {
  const serviceKeys = deriveLedgerKeys((parseMasterKey(TEST_MASTER_KEY) as { ok: true; value: Buffer }).value);
  let database: TestDatabase;
  let service: TestService;
  let optedOut: RecordedEvent;

  beforeAll(async () => {
    database = await createTestDatabase();
    const connection = connectPostgres(database.url);
    const store = await PostgresEventStore.open(connection);
    await append(store, old('whatsapp', PHONE), 'optedOut', optOut('whatsapp', PHONE));
    [optedOut] = await readStreamToArray(store, old('whatsapp', PHONE)) as [RecordedEvent];
    await connection.close();
    service = await startTestService({ clock, database });
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
    await database?.drop();
  });

  it('renames its preference streams before anything reads them, and still holds the opt-out', async () => {
    expect(service.keys).toEqual(serviceKeys);
    expect(await readStreamToArray(service.store, old('whatsapp', PHONE))).toEqual([]);
    const [renamed] = await readStreamToArray(service.store, streamName.contactPreference(service.keys, 'whatsapp', PHONE));
    expect(renamed).toEqual({ ...optedOut, stream: streamName.contactPreference(service.keys, 'whatsapp', PHONE) });

    await service.whenProcessed(optedOut.position);
    expect(await service.db.selectFrom('contact_blocks').select(['channel', 'block']).where('address_hash', '=', blockedAddressHash(service.keys, 'whatsapp', PHONE)).execute()).toEqual([{ channel: 'whatsapp', block: 'opted-out' }]);
  });

  it('rebuilds read models from the renamed ledger identical to the live ones', async () => {
    const report = await replayReadModels(service.connection, { schemaPrefix: 'rename_replay', keys: service.keys, databaseUrl: database.url });
    expect(report.events).toBeGreaterThan(0);
    expect(report.differences).toEqual([]);
  }, 60_000);
});
