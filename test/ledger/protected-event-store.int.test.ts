import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PAYLOADS } from '../../src/domain/intake/example-payloads.ts';
import { INBOUND_RECEIVED } from '../../src/domain/intake/inbound-receipt.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { comparePositions, readStreamToArray, type EventStore, type NewEvent } from '../../src/ledger/event-store.ts';
import { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { ProtectedEventStore } from '../../src/ledger/protected-event-store.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { lastCommitted, readAllVisible } from '../support/read-all-visible.ts';
import { until } from '../support/until.ts';

// Two instances on one database, each with its own connection, ledger adapter and key store.
const keys = deriveLedgerKeys(Buffer.alloc(32, 3));

interface Instance {
  connection: SqlConnection;
  keyStore: PersonKeyStore;
  store: ProtectedEventStore;
}

let database: TestDatabase;
let here: Instance;
let elsewhere: Instance;

async function instance(name: string): Promise<Instance> {
  const connection = connectPostgres(database.url, { applicationName: name });
  const keyStore = await PersonKeyStore.open(connection, keys, { databaseUrl: database.url });
  const ledger = await PostgresEventStore.open(connection);
  return { connection, keyStore, store: new ProtectedEventStore(ledger, keyStore, keys) };
}

beforeAll(async () => {
  database = await createTestDatabase();
  here = await instance('protected-here');
  elsewhere = await instance('protected-elsewhere');
});
afterAll(async () => {
  for (const i of [here, elsewhere]) {
    await i?.store.close();
    await i?.keyStore.close();
    await i?.connection.close();
  }
  await database?.drop();
});

const newPatient = () => ({ id: `pat-${randomUUID()}`, name: `Asha ${randomUUID().slice(0, 8)}`, phone: `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`, email: `asha.${randomUUID().slice(0, 8)}@example.com` });

function inbound(type: 'appointment.confirmed' | 'doctor.emergency_leave', data: Record<string, unknown>): { stream: ReturnType<typeof streamName.inbound>; event: NewEvent } {
  const eventId = `his:${randomUUID()}`;
  return {
    stream: streamName.inbound(eventId),
    event: { id: randomUUID(), type: INBOUND_RECEIVED, data: { eventId, type, occurredAt: '2026-12-07T04:00:00Z', data, receivedAt: '2026-12-07T04:00:01Z', via: 'amqp', payloadHash: 'h' } },
  };
}

/** Every row of every table in the database, as text: what a dump of it would show. */
async function everyRow(connection: SqlConnection): Promise<string> {
  const { rows: tables } = await sql<{ name: string }>`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(connection.db);
  const dumps: string[] = [];
  for (const { name } of tables) {
    const { rows } = await sql<{ row: string }>`select t::text as row from ${sql.raw(name)} t`.execute(connection.db);
    dumps.push(...rows.map((r) => r.row));
  }
  return dumps.join('\n');
}

describe('the ledger with personal data sealed', () => {
  it('keeps a patient\'s name, phone and email out of every table, and reads them back whole', async () => {
    const patient = { ...newPatient(), upstreamExtra: { note: 'Prefers Hindi' } };
    const { stream, event } = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient });
    const appended = await here.store.append(stream, [event], 'no-stream');
    expect(appended.ok).toBe(true);

    const dump = await everyRow(here.connection);
    for (const secret of [patient.name, patient.phone, patient.phone.slice(1), patient.email, 'Prefers Hindi']) expect(dump).not.toContain(secret);
    expect(dump).toContain('Dr. Meera Rao');

    for (const reader of [here, elsewhere]) {
      const [read] = await readStreamToArray(reader.store, stream);
      expect(read!.data).toEqual(event.data);
    }
    const [fromAll] = (await readAllVisible(here.store, null, 10_000, appended.ok ? appended.position : null)).filter((e) => e.id === event.id);
    expect(fromAll!.data).toEqual(event.data);
  });

  it('reads an erased patient as [erased], keeping their id and every non-personal fact, and leaves the others of a fan-out untouched', async () => {
    const [erased, kept] = [newPatient(), newPatient()];
    const leave = EXAMPLE_PAYLOADS['doctor.emergency_leave'];
    const affected = [erased, kept].map((patient, i) => ({ ...leave.affected[0]!, appointment: { ...leave.affected[0]!.appointment, id: `appt-${i}` }, patient }));
    const { stream, event } = inbound('doctor.emergency_leave', { ...leave, affected });
    await here.store.append(stream, [event], 'no-stream');

    expect(await here.keyStore.destroyPerson({ kind: 'patient', id: erased.id }, 'patient asked')).toBeGreaterThan(0);

    for (const reader of [here, elsewhere]) {
      const [read] = await readStreamToArray(reader.store, stream);
      const data = read!.data as { data: { affected: { patient: Record<string, unknown>; appointment: { id: string } }[]; doctor: unknown } };
      expect(data.data.affected[0]!.patient).toEqual({ id: erased.id, name: ERASED, phone: ERASED, email: ERASED });
      expect(data.data.affected[0]!.appointment.id).toBe('appt-0');
      expect(data.data.affected[1]!.patient).toEqual(kept);
      expect(data.data.doctor).toEqual(leave.doctor);
    }
  });

  it('seals what another instance writes after an erasure under a new key, never the erased one', async () => {
    const patient = newPatient();
    const first = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient });
    await elsewhere.store.append(first.stream, [first.event], 'no-stream');
    const keyOf = async (stream: typeof first.stream) => {
      const [data] = (await readRawData(stream)) as { data: { patient: { $sealed: string } } }[];
      return data!.data.patient.$sealed.split('.')[1]!;
    };
    const erasedKey = await keyOf(first.stream);

    await here.keyStore.destroyPerson({ kind: 'patient', id: patient.id }, 'patient asked');
    // Once the other instance, which cached the key, hears of the erasure (NOTIFY), new data it is
    // given goes under a new key.
    await until(async () => {
      const found = await elsewhere.keyStore.keyById(erasedKey);
      return found !== null && 'destroyed' in found;
    }, { what: 'the other instance to hear of the erasure' });
    const later = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient });
    await elsewhere.store.append(later.stream, [later.event], 'no-stream');

    const laterKey = await keyOf(later.stream);
    expect(laterKey).not.toBe(erasedKey);
    const [again] = await readStreamToArray(here.store, later.stream);
    expect((again!.data as { data: { patient: unknown } }).data.patient).toEqual(patient);
    const [old] = await readStreamToArray(here.store, first.stream);
    expect((old!.data as { data: { patient: { name: string } } }).data.patient.name).toBe(ERASED);
  });

  it('reads back what it sealed itself without the cipher, exactly as another instance opens it', async () => {
    const patient = { ...newPatient(), upstreamExtra: { visits: [1, 2], note: 'Prefers Hindi' } };
    const { stream, event } = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient });
    expect((await here.store.append(stream, [event], 'no-stream')).ok).toBe(true);
    const before = { here: here.store.openingStats().fromOwnSeals, elsewhere: elsewhere.store.openingStats().fromOwnSeals };
    const [ownRead] = await readStreamToArray(here.store, stream);
    const [otherRead] = await readStreamToArray(elsewhere.store, stream);
    expect(here.store.openingStats().fromOwnSeals).toBe(before.here + 1);
    expect(elsewhere.store.openingStats().fromOwnSeals).toBe(before.elsewhere);
    expect(ownRead).toEqual(otherRead);
    expect(ownRead!.data).toEqual(event.data);
  });

  it('refuses to read a sealed part that was altered in the table', async () => {
    const patient = newPatient();
    const { stream, event } = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient });
    await here.store.append(stream, [event], 'no-stream');
    // Move the ciphertext to another event: it is bound to its own event id.
    const other = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient: newPatient() });
    await here.store.append(other.stream, [other.event], 'no-stream');
    const [sealedOriginal] = await readRawData(stream);
    await sql`update ledger_events set data = ${JSON.stringify(sealedOriginal)}::jsonb where stream_name = ${other.stream}`.execute(here.connection.db);
    expect(await readRawData(other.stream)).toEqual([sealedOriginal]);
    await expect(readStreamToArray(here.store, other.stream)).rejects.toThrow(/does not open/);
  });

  it('counts its events up to a position without opening any, also over a ledger that cannot count in place', async () => {
    // An event that no longer opens (its ciphertext moved from another): a count that opened would throw.
    const first = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient: newPatient() });
    const second = inbound('appointment.confirmed', { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient: newPatient() });
    await here.store.append(first.stream, [first.event], 'no-stream');
    await here.store.append(second.stream, [second.event], 'no-stream');
    const [moved] = await readRawData(first.stream);
    await sql`update ledger_events set data = ${JSON.stringify(moved)}::jsonb where stream_name = ${second.stream}`.execute(here.connection.db);
    await expect(readStreamToArray(here.store, second.stream)).rejects.toThrow(/does not open/);

    const upTo = (await lastCommitted(here.connection.db))!;
    const ledger = await PostgresEventStore.open(here.connection);
    const expected = (await readAllVisible(ledger, null, 100_000, upTo)).filter((e) => comparePositions(e.position, upTo) <= 0).length;
    expect(expected).toBeGreaterThan(2);
    expect(await here.store.countUpTo(upTo)).toBe(expected);
    const { count } = await here.connection.db.selectFrom('ledger_events' as never).select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
    expect(Number(count)).toBe(expected);

    // A ledger with no count of its own (KurrentDB's adapter) is read through as it lies, sealed.
    const uncounted: EventStore = {
      append: (stream, events, expectedRevision) => ledger.append(stream, events, expectedRevision),
      readStream: (stream, from) => ledger.readStream(stream, from),
      readAll: (after, limit) => ledger.readAll(after, limit),
      subscribeToAll: (after, signal) => ledger.subscribeToAll(after, signal),
      headPosition: () => ledger.headPosition(),
      close: async () => undefined,
    };
    const overUncounted = new ProtectedEventStore(uncounted, here.keyStore, keys, { openingThread: false });
    try {
      expect(await overUncounted.countUpTo(upTo)).toBe(expected);
      // Up to an earlier position, the count stops there.
      const events = await readAllVisible(ledger, null, 100_000, upTo);
      expect(await overUncounted.countUpTo(events[1]!.position)).toBe(2);
      expect(await here.store.countUpTo(events[1]!.position)).toBe(2);
    } finally {
      await overUncounted.close();
    }
  });
});

async function readRawData(stream: string): Promise<unknown[]> {
  const { rows } = await sql<{ data: unknown }>`select data from ledger_events where stream_name = ${stream}`.execute(here.connection.db);
  return rows.map((r) => r.data);
}
