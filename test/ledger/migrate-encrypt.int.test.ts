import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_PAYLOADS } from '../../src/domain/intake/example-payloads.ts';
import { hashPayload, INBOUND_RECEIVED } from '../../src/domain/intake/inbound-receipt.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { MasterKeyNotTheLedgers } from '../../src/ledger/master-key-check.ts';
import { migrateEncrypt, MigrationAlreadyRunning, MIGRATE_ENCRYPT_LOCK, type MigrateEncryptReport } from '../../src/ledger/migrate-encrypt.ts';
import { PersonKeyStore } from '../../src/ledger/person-key-store.ts';
import { dropPlaintextCopy, PLAINTEXT_COPY } from '../../src/ledger/plaintext-copy.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { ProtectedEventStore } from '../../src/ledger/protected-event-store.ts';
import { connectPglite, connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { readModelsWrittenInClear } from '../../src/projections/rebuild-read-models.ts';
import { rebuildReadModelsInPlace, replayReadModels } from '../../src/replay-read-models.ts';
import { tablesContaining } from '../support/tables-containing.ts';
import { gqlData } from '../graphql/support/graphql-client.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';
import { envelopesOn, type RawEnvelope } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

// A ledger written before personal data was sealed (the service keeping it in clear), then sealed in
// place by `npm run migrate:encrypt` while the service is stopped: what a sealed service reads back,
// replays and erases afterwards is what it would have been had it been sealed from the start.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const keys = deriveLedgerKeys(Buffer.from(TEST_MASTER_KEY, 'base64'));
const tag = () => randomUUID().slice(0, 8);

function newPatient(first: string) {
  const digits = String(Math.floor(Math.random() * 1e9)).padStart(9, '0');
  return { id: `pat-${randomUUID()}`, name: `${first} Q${tag()}`, phone: `+918${digits}`, email: `${first.toLowerCase()}.${tag()}@example.com` };
}
type Patient = ReturnType<typeof newPatient>;

function confirmedFor(patient: Patient): RawEnvelope {
  const raw = validEnvelope('appointment.confirmed');
  const data = raw.data as { patient: unknown; appointment: { id: string; bookingReference: string } };
  data.patient = patient;
  data.appointment = { ...data.appointment, id: `appt-${tag()}`, bookingReference: `BK-${tag()}` };
  return raw;
}

/** The rows of `table` (ledger_events unless told) whose text holds `needle`. */
async function rowsHolding(db: Kysely<unknown>, needle: string, table = 'ledger_events'): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(table)} t where t::text like ${`%${needle}%`}`.execute(db);
  return rows[0]!.n;
}

/** Everything of every event but its data, in position order. */
async function ledgerFrame(db: Kysely<unknown>): Promise<unknown[]> {
  const { rows } = await sql`
    select global_position::text, transaction_id::text, stream_name, stream_revision::text, event_id::text, event_type, metadata::text, recorded_at
      from ledger_events order by global_position`.execute(db);
  return rows;
}

async function tableFile(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ file: string }>`select pg_relation_filepath('ledger_events') as file`.execute(db);
  return rows[0]!.file;
}

async function ledgerData(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ data: string }>`select data::text as data from ledger_events order by global_position`.execute(db);
  return rows.map((r) => r.data);
}

describe('migrate:encrypt on PostgreSQL', () => {
  let database: TestDatabase;
  let tool: SqlConnection;
  let service: TestService | undefined;
  const asha = newPatient('Asha');
  const ravi = newPatient('Ravi');
  let ashaBooking: RawEnvelope;
  let raviBooking: RawEnvelope;
  let frameBefore: unknown[];
  let first: MigrateEncryptReport;

  const start = (personalData: 'sealed' | 'clear') =>
    startTestService({ clock, database, personalData, templateSync: false, dispatcher: { pollIntervalMs: 20 } });
  const stop = async () => {
    await service?.stop();
    service = undefined;
  };
  const sent = (s: TestService, eventId: string) => until(async () => {
    s.dispatcher?.poke();
    const rows = await s.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).execute();
    return rows.length === 2 && rows.every((r) => r.status === 'sent') ? rows : null;
  }, { what: `the confirmation of ${eventId} sent on WhatsApp and email` });

  beforeAll(async () => {
    database = await createTestDatabase();
    // Written in clear: two patients' bookings, each sent on WhatsApp and email.
    service = await start('clear');
    ashaBooking = confirmedFor(asha);
    raviBooking = confirmedFor(ravi);
    for (const booking of [ashaBooking, raviBooking]) {
      await recordAndProject(service, booking);
      await sent(service, booking.eventId);
    }
    await stop();
    // Then sealed for a while, before the ledger was migrated: Ravi asked to be forgotten then.
    service = await start('sealed');
    const erased = await gqlData<{ erasePerson: { __typename: string } }>(service, ADMIN_TOKEN,
      `mutation ($id: ID!) { erasePerson(kind: PATIENT, id: $id, reason: "ticket 4711: consent withdrawn") { __typename } }`, { id: ravi.id });
    expect(erased.erasePerson.__typename).toBe('PersonErasure');
    const head = await service.store.headPosition();
    if (head) await service.whenProcessed(head);
    await stop();
    tool = connectPostgres(database.url, { applicationName: 'migrate-encrypt-test' });
  }, 120_000);
  afterAll(async () => {
    await stop();
    await tool?.close();
    await database?.drop();
  });

  it('seals every personal part in place, resuming where a stopped run left: no name, phone or email in clear, every id, revision and position as it was', async () => {
    for (const p of [asha, ravi]) for (const secret of [p.name, p.phone.slice(1), p.email]) expect(await rowsHolding(tool.db, secret)).toBeGreaterThan(0);
    frameBefore = await ledgerFrame(tool.db);
    const fileBefore = await tableFile(tool.db);
    const progress: [number, number][] = [];

    // Stopped after its first batch, then run again: it resumes, and leaves what it sealed as it was.
    const isSealedData = (data: string) => data.includes('"pd1.');
    const sealedAtStart = (await ledgerData(tool.db)).filter(isSealedData).length;
    const stopped = new Error('stopped by the operator');
    await expect(migrateEncrypt(tool, { keys, databaseUrl: database.url, batchSize: 2, onProgress: (done) => {
      if (done > 0) throw stopped;
    } })).rejects.toBe(stopped);
    const halfway = await ledgerData(tool.db);
    const sealedHalfway = halfway.filter(isSealedData);
    expect(sealedHalfway.length).toBeGreaterThan(sealedAtStart);
    first = await migrateEncrypt(tool, { keys, databaseUrl: database.url, batchSize: 2, onProgress: (done, total) => progress.push([done, total]) });
    const after = await ledgerData(tool.db);
    expect(sealedHalfway.every((data) => after.includes(data))).toBe(true);

    expect(first.sealed).toBeGreaterThan(0);
    expect(first.examined).toBeGreaterThanOrEqual(first.sealed);
    expect(first.parts).toBeGreaterThanOrEqual(first.sealed);
    expect(progress.at(-1)).toEqual([first.examined, first.examined]);
    for (const p of [asha, ravi]) {
      for (const secret of [p.name, p.phone.slice(1), p.email]) {
        expect(await rowsHolding(tool.db, secret)).toBe(0);
        expect(await rowsHolding(tool.db, secret, 'ledger_streams')).toBe(0);
      }
    }
    expect(await ledgerFrame(tool.db)).toEqual(frameBefore);
    // Rewritten into a new file: no old row version keeps the clear data in the table's files.
    expect(await tableFile(tool.db)).not.toBe(fileBefore);
    // The ledger as it was is kept aside, in clear, until the operator drops it.
    expect(first.copy).toEqual({ name: PLAINTEXT_COPY, made: 'earlier', rows: frameBefore.length });
    expect(await rowsHolding(tool.db, asha.phone.slice(1), PLAINTEXT_COPY)).toBeGreaterThan(0);
  }, 60_000);

  it('seals nothing on a second run, and changes no byte', async () => {
    const data = await ledgerData(tool.db);
    const { rows: keysBefore } = await sql`select key_id::text from person_keys order by key_id`.execute(tool.db);

    const again = await migrateEncrypt(tool, { keys, databaseUrl: database.url });

    expect(again).toMatchObject({ examined: first.examined, sealed: 0, parts: 0, erasedParts: 0, copy: { name: PLAINTEXT_COPY, made: 'earlier' } });
    expect(await ledgerData(tool.db)).toEqual(data);
    expect((await sql`select key_id::text from person_keys order by key_id`.execute(tool.db)).rows).toEqual(keysBefore);
  });

  it('rebuilds the read models from the sealed ledger in their place: no table holds a name, phone or email in clear', async () => {
    const before = await tool.db.selectFrom('notifications' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    const rebuilt = await rebuildReadModelsInPlace(tool, { keys, databaseUrl: database.url });
    expect(rebuilt.events).toBeGreaterThanOrEqual(frameBefore.length);
    for (const p of [asha, ravi]) for (const secret of [p.name, p.phone.slice(1), p.email]) expect(await tablesContaining(tool.db, secret)).toEqual([]);
    const after = await tool.db.selectFrom('notifications' as never).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(await readModelsWrittenInClear(tool.readModels)).toBe(false);
  }, 60_000);

  it('refuses to run beside another run, changing nothing', async () => {
    const other = connectPostgres(database.url, { applicationName: 'migrate-encrypt-other' });
    try {
      await other.db.connection().execute(async (session) => {
        await sql`select pg_advisory_lock(hashtextextended(${MIGRATE_ENCRYPT_LOCK}, 0))`.execute(session);
        await expect(migrateEncrypt(tool, { keys, databaseUrl: database.url })).rejects.toBeInstanceOf(MigrationAlreadyRunning);
        await sql`select pg_advisory_unlock(hashtextextended(${MIGRATE_ENCRYPT_LOCK}, 0))`.execute(session);
      });
    } finally {
      await other.close();
    }
  });

  it('reads back whole through a sealed service, its store and its API, and a person erased before reads [erased]', async () => {
    service = await start('sealed');
    const [received] = await readStreamToArray(service.store, streamName.inbound(ashaBooking.eventId));
    expect((received!.data as { data: { patient: unknown } }).data.patient).toEqual(asha);
    const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', ashaBooking.eventId).execute();
    const whatsapp = rows.find((r) => r.channel === 'whatsapp')!;
    const answer = await gqlData<{ notification: { recipient: { address: string }; content: { previewText: string } } }>(service, AUDITOR_TOKEN,
      'query($id: ID!) { notification(id: $id) { recipient { address } content { ... on RenderedWhatsApp { previewText } } } }', { id: whatsapp.notification_id });
    expect(answer.notification.recipient.address).toBe(asha.phone);
    expect(answer.notification.content.previewText).toContain(asha.name);

    // Ravi was erased before his data was sealed: it is sealed under keys destroyed at once.
    const [his] = await readStreamToArray(service.store, streamName.inbound(raviBooking.eventId));
    expect((his!.data as { data: { patient: unknown } }).data.patient).toEqual({ id: ravi.id, name: ERASED, phone: ERASED, email: ERASED });
    expect(first.erasedParts).toBeGreaterThan(0);
  }, 60_000);

  it('replays to the same read models', async () => {
    const report = await replayReadModels(service!.connection, { schemaPrefix: 'replay_migrated', keys, databaseUrl: database.url });
    expect(report.events).toBeGreaterThanOrEqual(frameBefore.length);
    expect(report.differences).toEqual([]);
    // The replay's own read models, built beside the live ones, note nothing about these.
    expect(await readModelsWrittenInClear(service!.connection.readModels)).toBe(false);
  }, 60_000);

  it('reads [erased] in the migrated events once the patient\'s keys are destroyed', async () => {
    const s = service!;
    expect(await s.personKeys!.destroyPerson({ kind: 'patient', id: asha.id }, 'patient asked')).toBeGreaterThan(0);
    const [received] = await readStreamToArray(s.store, streamName.inbound(ashaBooking.eventId));
    expect((received!.data as { data: { patient: unknown; appointment: unknown } }).data).toMatchObject({
      patient: { id: asha.id, name: ERASED, phone: ERASED, email: ERASED },
      appointment: (ashaBooking.data as { appointment: unknown }).appointment,
    });
    const rows = await s.db.selectFrom('notifications').select(['notification_id', 'channel']).where('event_id', '=', ashaBooking.eventId).execute();
    const [planned] = await readStreamToArray(s.store, streamName.notification(rows.find((r) => r.channel === 'whatsapp')!.notification_id));
    expect(planned!.data).toMatchObject({ recipient: { kind: 'patient', id: asha.id, address: ERASED }, content: { channel: 'whatsapp', previewText: ERASED } });
    await stop();
    // Dropping the copy is what leaves the database with no clear trace of her.
    expect(await dropPlaintextCopy(tool.db)).toBe(true);
    expect(await dropPlaintextCopy(tool.db)).toBe(false);
  }, 60_000);
});

describe('migrate:encrypt on PGlite', () => {
  const other = deriveLedgerKeys(Buffer.alloc(32, 9));
  const patient = newPatient('Meera');
  let connection: SqlConnection;
  let eventId: string;

  beforeAll(async () => {
    connection = await connectPglite();
    const ledger = await PostgresEventStore.open(connection);
    const envelope = { eventId: `his:${randomUUID()}`, type: 'appointment.confirmed' as const, occurredAt: clock.now().toISOString(), data: { ...EXAMPLE_PAYLOADS['appointment.confirmed'], patient } };
    eventId = envelope.eventId;
    const receipt = { ...envelope, receivedAt: clock.now().toISOString(), via: 'http', payloadHash: hashPayload(envelope, keys.payloadHash) };
    expect((await ledger.append(streamName.inbound(eventId), [{ id: randomUUID(), type: INBOUND_RECEIVED, data: receipt }], 'no-stream')).ok).toBe(true);
  });
  afterAll(async () => connection?.close());

  it('refuses a master key other than the ledger\'s, then seals under the right one and reads back whole', async () => {
    const before = await ledgerData(connection.db);
    await expect(migrateEncrypt(connection, { keys: other })).rejects.toBeInstanceOf(MasterKeyNotTheLedgers);
    expect(await ledgerData(connection.db)).toEqual(before);
    expect((await sql`select 1 from person_key_master`.execute(connection.db)).rows).toEqual([]);

    const report = await migrateEncrypt(connection, { keys });
    expect(report).toMatchObject({ examined: 1, sealed: 1, parts: 1, erasedParts: 0, copy: { made: 'now', rows: 1 } });
    for (const secret of [patient.name, patient.phone.slice(1), patient.email]) expect(await rowsHolding(connection.db, secret)).toBe(0);
    expect(await migrateEncrypt(connection, { keys })).toMatchObject({ sealed: 0, parts: 0 });

    const personKeys = await PersonKeyStore.open(connection, keys);
    const store = new ProtectedEventStore(await PostgresEventStore.open(connection), personKeys, keys);
    const [received] = await readStreamToArray(store, streamName.inbound(eventId));
    expect((received!.data as { data: { patient: unknown } }).data.patient).toEqual(patient);
    await personKeys.close();
  });
});
