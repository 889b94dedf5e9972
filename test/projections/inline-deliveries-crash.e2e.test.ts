import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { NOTIFICATION_EVENT_TYPES as T } from '../../src/domain/notifications/notification-events.ts';
import { connectPostgres } from '../../src/ledger/sql-connection.ts';
import { replayReadModels } from '../../src/replay-read-models.ts';
import { cleanEnv, freePort } from '../first-run/support/service-process.ts';
import { realClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { startTestService, TEST_API_TOKENS, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { sql } from 'kysely';

// Slots ahead of the machine's clock, which both processes run on.
const { validEnvelope } = envelopesOn(realClock);

let database: TestDatabase;
let service: TestService | undefined;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await service?.stop();
  await database?.drop();
});

it('sends each notification once after the process is killed between writing its row and sending it', async () => {
  // Given a process killed (SIGKILL) the moment the rows of five bookings' plans committed, its dispatcher off
  const bookings = Array.from({ length: 5 }, () => validEnvelope('appointment.confirmed'));
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
    }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  const exit = await Promise.race([exited, until(() => false, { what: 'the process to die', timeoutMs: 45_000 })]).finally(() => child.kill('SIGKILL'));
  expect(exit).toBe('SIGKILL');

  // When it died: ten rows planned, and not one attempt in the ledger
  const probe = connectPostgres(database.url, { poolSize: 1 });
  const count = async (type: string) =>
    Number((await sql<{ n: string }>`select count(*)::text as n from ledger_events where event_type = ${type}`.execute(probe.db)).rows[0]!.n);
  try {
    const planned = await sql<{ status: string }>`select status from notifications`.execute(probe.db);
    expect(planned.rows.map((r) => r.status)).toEqual(Array(10).fill('planned'));
    expect(await count(T.attemptStarted)).toBe(0);

    // Then a service started again on the same database sends each of them exactly once
    service = await startTestService({ database, dispatcher: { pollIntervalMs: 50 } });
    const running = service;
    const sent = await until(async () => {
      const rows = await running.db.selectFrom('notifications').select(['notification_id', 'status']).execute();
      return rows.length === 10 && rows.every((r) => r.status === 'sent') ? rows : null;
    }, { what: 'every notification sent', timeoutMs: 20_000 });
    const messages = (['whatsapp', 'email'] as const).flatMap((c) => (running.transports[c] as SandboxTransport).sent);
    expect(messages.map((m) => m.notificationId).sort()).toEqual(sent.map((r) => r.notification_id).sort());

    // and planned none of them again (the plans of its repeated batch were made already)
    expect(await count(T.planned)).toBe(10);
    expect(await count(T.attemptStarted)).toBe(10);
    expect(await count(T.sent)).toBe(10);

    // and its rows are those the ledger gives when every read model is rebuilt
    const head = await running.store.headPosition();
    if (head) await running.whenProcessed(head);
    const report = await replayReadModels(probe, { schemaPrefix: 'crash_check', keys: running.keys, databaseUrl: database.url });
    expect(report.differences).toEqual([]);
  } finally {
    await probe.close();
  }
}, 120_000);
