import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LedgerPosition, RecordedEvent } from '../../src/ledger/event-store.ts';
import { runMigrations } from '../../src/ledger/run-migrations.ts';
import { connectPostgres, type SqlConnection } from '../../src/ledger/sql-connection.ts';
import { readModelMigrations } from '../../src/projections/migrations/read-model-migrations.ts';
import type { LedgerReaction, PendingAppend } from '../../src/projections/ledger-reaction.ts';
import { BatchState } from '../../src/projections/batch-state.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { reminderScheduleReaction } from '../../src/projections/reminders/reminder-schedule-reaction.ts';
import { walkinReaction } from '../../src/projections/walk-in/walkin-reaction.ts';
import { fixedClock } from '../support/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { patient, walkinQueue } from '../support/envelopes.ts';
import { kolkata, visitEnvelope } from './reminder-support.ts';

// A batch repeated after a crash (state written, appends not yet made), or the same event reached
// by a second instance, must come to the same appends: the reactions re-emit what they decided.
const clock = fixedClock('2026-11-23T04:00:00Z');
let database: TestDatabase;
let connection: SqlConnection;
let db: Kysely<ReadModelDatabase>;
/** One event as a batch of its own: react, then write what the batch left to write. */
async function reactAlone(reaction: LedgerReaction, event: RecordedEvent): Promise<PendingAppend[]> {
  const context = { db, clock, state: new BatchState(db, { keys: deriveLedgerKeys(Buffer.alloc(32, 7)) }) };
  const appends = await reaction.react(event, context);
  await context.state.flush();
  return appends;
}

beforeAll(async () => {
  database = await createTestDatabase();
  connection = connectPostgres(database.url);
  await runMigrations(connection.db, 'read_model_migration', readModelMigrations);
  db = connection.readModels as Kysely<ReadModelDatabase>;
});
afterAll(async () => {
  await connection?.close();
  await database?.drop();
});

let prepare = 1n;
function inbound(raw: { eventId: string; type: string; occurredAt: string; data: Record<string, unknown> }): RecordedEvent {
  const position: LedgerPosition = { commit: 1000n, prepare: prepare++ };
  return {
    id: randomUUID(),
    stream: `inbound-${raw.eventId}`,
    revision: 0n,
    position,
    type: 'InboundEventReceived',
    data: { ...raw, receivedAt: clock.now().toISOString(), via: 'http', payloadHash: 'test' },
    metadata: {},
    recordedAt: clock.now(),
  };
}

describe('reactions repeating an event', () => {
  it('re-emits the reminder schedule an event decided, even after later events of the same appointment', async () => {
    const centre = kolkata();
    const slot = { slotDate: '2026-12-10', slotTime: '10:00' };
    const confirmed = inbound(visitEnvelope('appointment.confirmed', { appointmentId: 'appt-repeat', centre, ...slot, occurredAt: clock.now() }));
    const cancelled = inbound(visitEnvelope('appointment.cancelled', { appointmentId: 'appt-repeat', centre, ...slot, occurredAt: new Date(clock.now().getTime() + 60_000) }));

    const first = await reactAlone(reminderScheduleReaction, confirmed);
    expect(first.map((a) => [a.stream, a.expected, a.events.map((e) => e.type)])).toEqual([
      ['appointment-appt-repeat', 'no-stream', ['ReminderScheduled', 'ReminderScheduled', 'ReminderScheduled']],
    ]);
    const cancelling = await reactAlone(reminderScheduleReaction, cancelled);
    expect(cancelling.map((a) => a.events[0]!.type)).toEqual(['ReminderCancelled', 'ReminderCancelled', 'ReminderCancelled']);

    expect(await reactAlone(reminderScheduleReaction, confirmed)).toEqual(first);
    expect(await reactAlone(reminderScheduleReaction, cancelled)).toEqual(cancelling);
  });

  it('plans the approaching-turn message again for a repeated queue update, and only for it', async () => {
    const reaction = walkinReaction();
    const queue = { ...walkinQueue, id: `queue-${randomUUID().slice(0, 8)}` };
    const update = (position: number, minute: number) => inbound({
      eventId: `his:${randomUUID()}`,
      type: 'walkin.queue_updated',
      occurredAt: new Date(clock.now().getTime() + minute * 60_000).toISOString(),
      data: { centre: kolkata('centre-repeat'), queue, tokens: [{ number: 'R-001', position, patient }] },
    });
    const reaching = update(3, 1);
    const later = update(2, 2);
    const first = await reactAlone(reaction, reaching);
    expect(first.map((a) => a.events[0]!.type)).toEqual(['NotificationPlanned']);
    expect(await reactAlone(reaction, later)).toEqual([]);
    expect(await reactAlone(reaction, reaching)).toEqual(first);
    expect(await reactAlone(reaction, later)).toEqual([]);
  });
});
