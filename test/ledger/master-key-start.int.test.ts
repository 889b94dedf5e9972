import { randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PREFERENCE_EVENT_TYPES } from '../../src/domain/notifications/preference-events.ts';
import { streamName, type StreamName } from '../../src/domain/stream-name.ts';
import { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { until } from '../support/until.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { startTestService } from '../support/service.ts';

// The service refuses to start under another master key than its database's: it says so, names
// the variable (never a key), and writes nothing; the right key starts it with everything readable.
const clock = fixedClock(new Date());
const PHONE = '+919800011122';

/** The ledger's head, read beside any service. */
/** The last event committed, readable or not: a head read stops before transactions still running anywhere on the server. */
async function headOf(url: string) {
  const connection = connectPostgres(url);
  try {
    return await lastCommitted(connection.db);
  } finally {
    await connection.close();
  }
}
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

it('refuses a wrong master key before writing anything, and starts again with the right one', async () => {
  const first = await startTestService({ clock, database, templateSync: false, dispatch: false });
  const raw = envelopesOn(clock).validEnvelope('appointment.confirmed');
  await recordAndProject(first, raw);
  await first.stop();
  // As a ledger from before preference streams were named by keyed hash: a stream named after a
  // number, and its rename not yet run. A wrong key must not rename it under hashes of its own.
  const older = connectPostgres(database.url);
  const oldName = `preference-whatsapp:${PHONE}` as StreamName;
  try {
    const appended = await (await PostgresEventStore.open(older)).append(oldName, [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES.optedOut, data: { channel: 'whatsapp', address: PHONE, personId: null, reason: 'stop-reply', at: clock.now().toISOString(), actor: 'patient' }, metadata: { actor: 'patient' } }], 'no-stream');
    if (!appended.ok) throw appended.error;
    await sql`delete from ledger_keyed_migration`.execute(older.db);
  } finally {
    await older.close();
  }
  const streamNames = async (service: { db: Kysely<never> }) => (await sql<{ name: string }>`select stream_name as name from ledger_streams where stream_name like 'preference-%'`.execute(service.db)).rows.map((r) => r.name);
  const head = await headOf(database.url);

  const wrongKey = randomBytes(32).toString('base64');
  const refused = await startTestService({ clock, database, templateSync: false, dispatch: false, env: { LEDGER_MASTER_KEY: wrongKey } }).then(
    async (service) => {
      await service.stop();
      return null;
    },
    (error: unknown) => error,
  );
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toMatch(/LEDGER_MASTER_KEY does not match the master key this database was started with/);
  expect((refused as Error).message).toMatch(/nothing was changed/);
  expect((refused as Error).message).not.toContain(wrongKey);
  expect(await headOf(database.url)).toEqual(head);

  const again = await startTestService({ clock, database, templateSync: false, dispatch: false });
  try {
    expect(await headOf(database.url)).toEqual(head);
    // Renamed now, under the right key's hash.
    expect(await streamNames(again as unknown as { db: Kysely<never> })).toEqual([streamName.contactPreference(again.keys, 'whatsapp', PHONE)]);
    // The planner's notification, which the first start may have stopped before projecting.
    const notification = await until(() => again.db.selectFrom('notifications').select('recipient_address').where('event_id', '=', raw.eventId).where('channel', '=', 'whatsapp').executeTakeFirst().then((row) => row ?? null), { what: 'the WhatsApp notification projected' });
    expect(await again.cells.open(notification.recipient_address)).toBe((raw.data as { patient: { phone: string } }).patient.phone);
  } finally {
    await again.stop();
  }
}, 60_000);

it('refuses, at the first sealed start of a ledger written in clear, a key its receipts were not hashed with', async () => {
  const own = await createTestDatabase();
  try {
    // Written before sealing (the switch the benchmarks keep): its receipts' payload hashes are keyed, its key store empty.
    const before = await startTestService({ clock, database: own, templateSync: false, dispatch: false, personalData: 'clear' });
    await recordAndProject(before, envelopesOn(clock).validEnvelope('appointment.confirmed'));
    await before.stop();
    const head = await headOf(own.url);

    const refused = await startTestService({ clock, database: own, templateSync: false, dispatch: false, env: { LEDGER_MASTER_KEY: randomBytes(32).toString('base64') } }).then(
      async (service) => {
        await service.stop();
        return null;
      },
      (error: unknown) => error,
    );
    expect((refused as Error).message).toMatch(/LEDGER_MASTER_KEY is not the key this ledger was written with.*nothing was changed/);
    expect(await headOf(own.url)).toEqual(head);
    const connection = connectPostgres(own.url);
    try {
      const checks = await sql<{ n: number }>`select count(*)::int as n from person_key_master`.execute(connection.db);
      expect(checks.rows[0]!.n).toBe(0);
    } finally {
      await connection.close();
    }

    const sealed = await startTestService({ clock, database: own, templateSync: false, dispatch: false });
    await sealed.stop();
  } finally {
    await own.drop();
  }
}, 60_000);
