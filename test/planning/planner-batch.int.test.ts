import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/domain/intake/envelope.ts';
import { NOTIFICATION_EVENT_TYPES, type NotificationPlanned, type NotificationSuppressed } from '../../src/domain/notifications/notification-events.ts';
import { PREFERENCE_EVENT_TYPES, type ContactOptedIn, type ContactOptedOut } from '../../src/domain/notifications/preference-events.ts';
import { deriveLedgerKeys } from '../../src/domain/keys/ledger-keys.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray, type LedgerPosition, type RecordedEvent } from '../../src/ledger/event-store.ts';
import type { PostgresEventStore } from '../../src/ledger/postgres-event-store.ts';
import { recordInbound } from '../../src/commands/inbound/record-inbound.ts';
import { patientPlanningReaction } from '../../src/projections/deliveries/patient-planning-reaction.ts';
import { plannerProcessor } from '../../src/projections/planner-processor.ts';
import { createRoutingRule } from '../../src/commands/routing-rules/create-routing-rule.ts';
import { updateRoutingRule } from '../../src/commands/routing-rules/update-routing-rule.ts';
import { deactivateStaffMember } from '../../src/commands/staff/deactivate-staff-member.ts';
import { upsertStaffMember } from '../../src/commands/staff/upsert-staff-member.ts';
import { SealedCells } from '../../src/ledger/sealed-cells.ts';
import { staffRoutingReaction } from '../../src/projections/staff/staff-routing-reaction.ts';
import { walkinReaction } from '../../src/projections/walk-in/walkin-reaction.ts';
import { approachingTurnNotificationId } from '../../src/domain/walk-in/plan-approaching-turn.ts';
import { preferenceReaction } from '../../src/projections/deliveries/preference-reaction.ts';
import type { ReadModelDatabase } from '../../src/projections/read-model-database.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { openLedgerDatabase, type LedgerDatabase } from '../support/ledger-database.ts';
import { lastCommitted, readAllVisible } from '../support/read-all-visible.ts';
import { centre, patient, envelopesOn } from '../support/envelopes.ts';

// The planner reads opt-outs once per batch and writes through what its reactions change: an event
// must still see exactly the preferences recorded before it, even those recorded in the same batch.

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let ledger: LedgerDatabase;
let store: PostgresEventStore;
let db: Kysely<ReadModelDatabase>;

beforeAll(async () => {
  ledger = await openLedgerDatabase();
  ({ store, db } = ledger);
});
afterAll(async () => ledger?.close());

const keys = deriveLedgerKeys(Buffer.alloc(32, 5));
const planner = () => plannerProcessor({ store, clock, keys, logger: silentLogger(), reactions: [preferenceReaction(keys), patientPlanningReaction()] });

async function preference(type: 'optedOut' | 'optedIn', phone: string): Promise<LedgerPosition> {
  const data: ContactOptedOut | ContactOptedIn = type === 'optedOut'
    ? { channel: 'whatsapp', address: phone, personId: null, reason: 'stop-reply', at: clock.now().toISOString(), actor: 'patient' }
    : { channel: 'whatsapp', address: phone, personId: null, at: clock.now().toISOString(), actor: 'patient' };
  const result = await store.append(streamName.contactPreference(keys, 'whatsapp', phone), [{ id: randomUUID(), type: PREFERENCE_EVENT_TYPES[type], data, metadata: { actor: 'patient' } }], 'any');
  if (!result.ok) throw result.error;
  return result.position;
}

async function confirmedFor(phone: string): Promise<{ eventId: string; position: LedgerPosition }> {
  const raw = validEnvelope('appointment.confirmed');
  (raw.data as { patient: { phone: string } }).patient.phone = phone;
  return record(raw);
}

async function record(raw: ReturnType<typeof validEnvelope>): Promise<{ eventId: string; position: LedgerPosition }> {
  const parsed = parseEnvelope(raw);
  if (!parsed.ok) throw new Error('invalid fixture');
  const outcome = await recordInbound(store, parsed.value, { clock, via: 'http' });
  return { eventId: raw.eventId, position: outcome.position };
}

/** The ledger from `after` (exclusive) up to `until`, as one batch. */
async function batchBetween(after: LedgerPosition | null, until: LedgerPosition): Promise<RecordedEvent[]> {
  const events = await readAllVisible(store, after, 1000, until);
  return events.filter((e) => e.position.commit < until.commit || (e.position.commit === until.commit && e.position.prepare <= until.prepare));
}

/** The first event of each notification the event caused. */
async function notificationsOf(eventId: string): Promise<RecordedEvent[]> {
  const found: RecordedEvent[] = [];
  for (const e of await readAllVisible(store, null, 5000, await lastCommitted(db))) {
    if (e.stream.startsWith('notification-') && e.revision === 0n && (e.data as { eventId?: string }).eventId === eventId) found.push(e);
  }
  return found;
}

async function whatsappOf(eventId: string): Promise<RecordedEvent | undefined> {
  const [first] = (await notificationsOf(eventId)).filter((e) => (e.data as { channel: string }).channel === 'whatsapp');
  return first ? (await readStreamToArray(store, first.stream as never))[0] : undefined;
}

describe('the planner within one batch', () => {
  it('suppresses a message to a number that opted out earlier in the same batch', async () => {
    const phone = `+9198${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const start = await lastCommitted(db);
    await preference('optedOut', phone);
    const { eventId, position } = await confirmedFor(phone);
    await planner().applyBatch!(db, await batchBetween(start, position));

    const whatsapp = await whatsappOf(eventId);
    expect(whatsapp?.type).toBe(NOTIFICATION_EVENT_TYPES.suppressed);
    expect((whatsapp?.data as NotificationSuppressed).reason).toBe('opted-out');
  });

  it('plans a message to a number that opted back in earlier in the same batch, after an opt-out the batch had already read', async () => {
    const phone = `+9197${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
    const before = await lastCommitted(db);
    const optedOut = await preference('optedOut', phone);
    await planner().applyBatch!(db, await batchBetween(before, optedOut));

    const start = await lastCommitted(db);
    const blocked = await confirmedFor(phone);
    await preference('optedIn', phone);
    const { eventId, position } = await confirmedFor(phone);
    await planner().applyBatch!(db, await batchBetween(start, position));

    expect((await whatsappOf(blocked.eventId))?.type).toBe(NOTIFICATION_EVENT_TYPES.suppressed);
    expect((await whatsappOf(eventId))?.type).toBe(NOTIFICATION_EVENT_TYPES.planned);
  });

  it('routes staff events by the rule version and the directory each one follows, when the changes come in the same batch', async () => {
    const deps = { store, clock };
    const staffId = `bina-${randomUUID().slice(0, 8)}`;
    const ruleId = `urgent-lab-${randomUUID().slice(0, 8)}`;
    const start = await lastCommitted(db);
    const member = await upsertStaffMember(deps, {
      input: { id: staffId, name: 'Bina Shah', roles: ['billing'], centreIds: ['centre-blr'], contacts: { email: 'bina@clinic.example', whatsapp: '+919811111111' } },
      actor: 'alice-admin',
    });
    const created = await createRoutingRule(deps, {
      ruleId,
      actor: 'alice-admin',
      input: { name: 'Urgent lab tests to Bina', eventTypes: ['lab.*'], targets: { staffIds: [staffId] }, channels: ['email'], priority: 500 },
    });
    if (!member.ok || !created.ok) throw new Error('fixtures refused');
    const byEmail = await record(validEnvelope('lab.test_requested'));
    const updated = await updateRoutingRule(deps, { ruleId, changes: { channels: ['whatsapp'] }, expectedVersion: 1, actor: 'bob-admin' });
    if (!updated.ok) throw new Error('update refused');
    const byWhatsapp = await record(validEnvelope('lab.test_requested'));
    const deactivated = await deactivateStaffMember(deps, { staffId, actor: 'alice-admin' });
    if (!deactivated.ok) throw new Error('deactivation refused');
    const toNobody = await record(validEnvelope('lab.test_requested'));

    const staffPlanner = plannerProcessor({ store, clock, keys, logger: silentLogger(), reactions: [staffRoutingReaction({ cells: new SealedCells(null) })] });
    await staffPlanner.applyBatch!(db, await batchBetween(start, toNobody.position));

    const routed = async (eventId: string) => (await notificationsOf(eventId))
      .map((e) => e.data as NotificationPlanned)
      .filter((p) => p.recipient.id === staffId)
      .map((p) => [p.channel, p.selection]);
    expect(await routed(byEmail.eventId)).toEqual([['email', { kind: 'routing-rule', ruleId, ruleVersion: 1 }]]);
    expect(await routed(byWhatsapp.eventId)).toEqual([['whatsapp', { kind: 'routing-rule', ruleId, ruleVersion: 2 }]]);
    expect(await routed(toNobody.eventId)).toEqual([]);
  });

  it('tells a walk-in token once as the queue moves within one batch, and never a token called earlier in it', async () => {
    const queue = { id: `queue-${randomUUID().slice(0, 8)}`, name: 'General Physician' };
    const occurredAt = (minute: number) => new Date(Date.parse('2026-11-24T04:00:00Z') + minute * 60_000).toISOString();
    const update = (minute: number, tokens: [string, number][]) => record({
      eventId: `his:${randomUUID()}`,
      type: 'walkin.queue_updated',
      occurredAt: occurredAt(minute),
      data: { centre, queue, tokens: tokens.map(([number, position]) => ({ number, position, patient })) },
    });
    const start = await lastCommitted(db);
    await update(1, [['W-1', 5], ['W-2', 6]]);
    await update(2, [['W-1', 4], ['W-2', 5]]);
    const reached = await update(3, [['W-1', 3], ['W-2', 4]]);
    await update(4, [['W-1', 2], ['W-2', 3]]);
    await record({ eventId: `his:${randomUUID()}`, type: 'walkin.token_called', occurredAt: occurredAt(5), data: { centre, queue, token: { number: 'W-3', room: 'Room 1' }, patient } });
    const last = await update(6, [['W-1', 1], ['W-2', 2], ['W-3', 1]]);

    const walkinPlanner = plannerProcessor({ store, clock, keys, logger: silentLogger(), reactions: [walkinReaction()] });
    await walkinPlanner.applyBatch!(db, await batchBetween(start, last.position));

    const tokens = await db.selectFrom('walkin_tokens').selectAll().where('queue_id', '=', queue.id).orderBy('token_number').execute();
    expect(tokens.map((t) => [t.token_number, t.notified_position, t.notified_commit === null ? null : `${t.notified_commit}/${t.notified_prepare}`, t.called])).toEqual([
      ['W-1', 3, `${reached.position.commit}/${reached.position.prepare}`, false],
      ['W-2', 3, expect.any(String), false],
      ['W-3', null, null, true],
    ]);
    const planned = async (token: string) => readStreamToArray(store, streamName.notification(approachingTurnNotificationId(centre.id, queue.id, token, '2026-11-24', 'whatsapp')));
    expect((await planned('W-1')).map((e) => e.type)).toEqual([NOTIFICATION_EVENT_TYPES.planned]);
    expect((await planned('W-2')).map((e) => e.type)).toEqual([NOTIFICATION_EVENT_TYPES.planned]);
    expect(await planned('W-3')).toEqual([]);
  });
});
