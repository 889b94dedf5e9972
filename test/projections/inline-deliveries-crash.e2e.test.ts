import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { NOTIFICATION_EVENT_TYPES as T } from '../../src/domain/notifications/notification-events.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { cleanEnv, freePort } from '../first-run/support/service-process.ts';
import { realClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { startTestService, TEST_API_TOKENS, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { sql, type Kysely } from 'kysely';

// Slots ahead of the machine's clock, which both processes run on.
const { validEnvelope } = envelopesOn(realClock);

let database: TestDatabase;
let service: TestService | undefined;

beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
  await database?.drop();
});

/** A child service given the bookings, killed once the rows of their plans are counted; answers how it exited. */
async function bookThenDie(bookings: readonly unknown[], env: Record<string, string>): Promise<NodeJS.Signals | number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/plan-then-die.ts', import.meta.url))], {
    env: cleanEnv({
      DATABASE_URL: database.url,
      API_TOKENS: TEST_API_TOKENS,
      LEDGER_MASTER_KEY: TEST_MASTER_KEY,
      CHANNELS_SANDBOX: 'all',
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: `/tmp/cnl-unused-${randomUUID()}`,
      LOG_LEVEL: 'silent',
      EVENTS: JSON.stringify(bookings),
      // WhatsApp and email for each.
      ROWS_BEFORE_DYING: String(bookings.length * 2),
      ...env,
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return Promise.race([exited, until(() => false, { what: 'the process to die', timeoutMs: 45_000 }).then(() => null)]).finally(() => child.kill('SIGKILL'));
}

const count = async (db: Kysely<unknown>, type: string) =>
  Number((await sql<{ n: string }>`select count(*)::text as n from ledger_events where event_type = ${type}`.execute(db)).rows[0]!.n);

/** A service started again on the database: each of the ten sent exactly once, none planned again, and the rows as a rebuild gives them. */
async function restartSendsEachOnce(probe: SqlConnection, env: Record<string, string> = {}): Promise<void> {
  service = await startTestService({ database, env, dispatcher: { pollIntervalMs: 50 } });
  const running = service;
  const sent = await until(async () => {
    const rows = await running.db.selectFrom('notifications').select(['notification_id', 'status']).execute();
    return rows.length === 10 && rows.every((r) => r.status === 'sent') ? rows : null;
  }, { what: 'every notification sent', timeoutMs: 20_000 });
  const messages = (['whatsapp', 'email'] as const).flatMap((c) => (running.transports[c] as SandboxTransport).sent);
  expect(messages.map((m) => m.notificationId).sort()).toEqual(sent.map((r) => r.notification_id).sort());

  // and planned none of them again (the plans of its repeated batch were made already)
  expect(await count(probe.db, T.planned)).toBe(10);
  expect(await count(probe.db, T.sent)).toBe(10);

  // and its rows are those the ledger gives when every read model is rebuilt
  const head = await running.store.headPosition();
  if (head) await running.whenProcessed(head);
  const report = await replayReadModels(probe, { schemaPrefix: 'crash_check', keys: running.keys, databaseUrl: database.url });
  expect(report.differences).toEqual([]);
}

it('sends each notification once after the process is killed between writing its row and sending it', async () => {
  // Given a process killed (SIGKILL) the moment the rows of five bookings' plans committed, its dispatcher off
  const bookings = Array.from({ length: 5 }, () => validEnvelope('appointment.confirmed'));
  expect(await bookThenDie(bookings, {})).toBe('SIGKILL');

  // When it died: ten rows planned, and not one attempt in the ledger
  const probe = connectPostgres(database.url, { poolSize: 1 });
  try {
    const planned = await sql<{ status: string }>`select status from notifications`.execute(probe.db);
    expect(planned.rows.map((r) => r.status)).toEqual(Array(10).fill('planned'));
    expect(await count(probe.db, T.attemptStarted)).toBe(0);

    // Then a service started again on the same database sends each of them exactly once
    await restartSendsEachOnce(probe);
    expect(await count(probe.db, T.attemptStarted)).toBe(10);
  } finally {
    await probe.close();
  }
}, 120_000);

it('sends each notification once after the process is killed holding the rows written claimed for its dispatcher', async () => {
  // Given a process whose plans' rows were written claimed for its dispatcher and handed to it, killed
  // (SIGKILL) once all ten were handed, its transports never answering (a lease of two seconds)
  const bookings = Array.from({ length: 5 }, () => validEnvelope('appointment.confirmed'));
  expect(await bookThenDie(bookings, { HANDED: '1', DISPATCH_ATTEMPT_TIMEOUT_MS: '2000' })).toBe('SIGKILL');

  // When it died: ten rows, each held by its one worker, and nothing sent
  const probe = connectPostgres(database.url, { poolSize: 1 });
  try {
    const held = await sql<{ locked_by: string | null }>`select locked_by from notifications`.execute(probe.db);
    expect(held.rows).toHaveLength(10);
    expect(new Set(held.rows.map((r) => r.locked_by)).size).toBe(1);
    expect(held.rows[0]!.locked_by).toMatch(/^dispatcher-/);
    expect(await count(probe.db, T.sent)).toBe(0);

    // Then a service started again sends each of them exactly once, once the dead worker's leases ran out
    await restartSendsEachOnce(probe, { DISPATCH_ATTEMPT_TIMEOUT_MS: '2000' });
  } finally {
    await probe.close();
  }
}, 120_000);
