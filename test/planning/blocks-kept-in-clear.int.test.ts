import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/ledger/run-migrations.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { blockedAddressHash, hashBlocksKeptInClear } from '../../src/projections/deliveries/contact-blocks.ts';
import { readModelMigrations } from '../../src/projections/migrations/read-model-migrations.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { tablesContaining } from '../support/tables-containing.ts';
import { settledNotifications } from '../staff/support/staff-fixtures.ts';

// A database whose opt-outs were recorded before blocks kept the keyed hash of their address: the
// first start renames each by its hash and empties its address, and the planner still blocks them.
const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
const PHONE = `+9199${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
const EMAIL = `Legacy.${Date.now()}@Example.com`;
let database: TestDatabase;
let service: TestService;

beforeAll(async () => {
  database = await createTestDatabase();
  // The read models as they stood before 0018, with two blocks kept by address.
  const before = Object.fromEntries(Object.entries(readModelMigrations).filter(([name]) => !name.startsWith('0018')));
  const connection = connectPostgres(database.url);
  try {
    await runMigrations(connection.readModels, 'read_model_migration', before);
    await sql`
      insert into contact_blocks (channel, address, block, reason, since)
      values ('whatsapp', ${PHONE}, 'opted-out', 'stop-reply', ${clock.now()}), ('email', ${EMAIL}, 'bounced-address', 'permanent-bounce', ${clock.now()})`
      .execute(connection.readModels);
  } finally {
    await connection.close();
  }
  service = await startTestService({ clock, database, templateSync: false, dispatcher: { pollIntervalMs: 20 } });
});
afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

describe('blocks recorded by address before keyed hashes', () => {
  it('are renamed by their keyed hash at the start, with no address left in clear', async () => {
    const rows = await service.db.selectFrom('contact_blocks').select(['channel', 'address', 'address_hash', 'block']).orderBy('channel').execute();
    expect(rows).toEqual([
      { channel: 'email', address: null, address_hash: blockedAddressHash(service.keys, 'email', EMAIL), block: 'bounced-address' },
      { channel: 'whatsapp', address: null, address_hash: blockedAddressHash(service.keys, 'whatsapp', PHONE), block: 'opted-out' },
    ]);
    expect(await tablesContaining(service.db, PHONE.slice(1))).not.toContain('public.contact_blocks');
    expect(await tablesContaining(service.db, EMAIL)).not.toContain('public.contact_blocks');
    // A second start finds nothing left to rename.
    expect(await hashBlocksKeptInClear(service.db, service.keys)).toBe(0);
  });

  it('still block the patient at those addresses (the email whatever its case)', async () => {
    const booking = validEnvelope('appointment.confirmed');
    booking.data.patient = { id: `pat-legacy-${Date.now()}`, name: 'Legacy Patient', phone: PHONE, email: EMAIL.toLowerCase() };
    await recordAndProject(service, booking);
    const rows = await settledNotifications(service, booking.eventId);
    expect(rows.filter((r) => r.channel === 'whatsapp' || r.channel === 'email').map((r) => `${r.channel} ${r.status} ${r.suppression_reason}`).sort())
      .toEqual(['email suppressed bounced-address', 'whatsapp suppressed opted-out']);
  }, 60_000);
});
