import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxTransport } from '../../src/channels/sandbox-transport.ts';
import { DEFAULT_ROUTING_RULES } from '../../src/domain/staff-routing/default-routing-rules.ts';
import type { Channel } from '../../src/domain/event-catalogue.ts';
import { matchesEventType } from '../../src/domain/staff-routing/event-type-pattern.ts';
import type { NotificationPlanned } from '../../src/domain/notifications/notification-events.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { createRoutingRule } from '../../src/commands/routing-rules/create-routing-rule.ts';
import { deleteRoutingRule } from '../../src/commands/routing-rules/delete-routing-rule.ts';
import { installDefaultRoutingRules } from '../../src/commands/routing-rules/install-default-routing-rules.ts';
import { updateRoutingRule } from '../../src/commands/routing-rules/update-routing-rule.ts';
import { listRoutingRules } from '../../src/projections/staff/routing-rules.queries.ts';
import { markStaffAlertRead } from '../../src/commands/staff/mark-staff-alert-read.ts';
import { listStaffAlerts, staffAlertBook } from '../../src/projections/staff/staff-alerts.queries.ts';
import { deactivateStaffMember } from '../../src/commands/staff/deactivate-staff-member.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { centre, envelopesOn } from '../support/envelopes.ts';
import { startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { recordAndProject } from '../support/publish.ts';
import { DEFAULT_ROUTES, STAFF, seedStaff, settledNotifications } from './support/staff-fixtures.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { TEST_MASTER_KEY } from '../support/env.ts';

const run = promisify(execFile);
const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;
const deps = () => ({ store: service.store, clock });

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
  await seedStaff(service, clock);
});
afterAll(async () => service?.stop());

const sandbox = (channel: Channel) => service.transports[channel] as SandboxTransport;

async function plannedOf(notificationId: string): Promise<NotificationPlanned> {
  const [first] = await readStreamToArray(service.store, streamName.notification(notificationId));
  expect(first?.type).toBe('NotificationPlanned');
  return first!.data as NotificationPlanned;
}

describe('the default routing rules', () => {
  it('are installed once, as made by system, and a second start installs nothing', async () => {
    const rules = await listRoutingRules(service.db);
    expect(rules.filter((r) => r.changedBy === 'system').map((r) => r.id).sort()).toEqual(DEFAULT_ROUTING_RULES.map((r) => r.id).sort());
    expect(await installDefaultRoutingRules(deps())).toEqual([]);
  });

  it.each(DEFAULT_ROUTES)('route %s to %s at the event\'s centre, by email and in-app, and nobody else', async (type, staffId) => {
    // Given the seeded directory (someone with every role at another centre, an inactive member here)
    const raw = validEnvelope(type);
    // When the event is published through the intake
    await recordAndProject(service, raw);
    // Then exactly that member is notified on the default channels, each sent once
    const rows = await settledNotifications(service, raw.eventId);
    expect(rows.map((r) => `${r.recipient_id} ${r.channel} ${r.status}`)).toEqual([`${staffId} email sent`, `${staffId} in_app sent`]);
    const rule = DEFAULT_ROUTING_RULES.find((r) => r.rule.eventTypes.some((p) => matchesEventType(p, type)))!;
    for (const row of rows) expect(await plannedOf(row.notification_id)).toMatchObject({ selection: { kind: 'routing-rule', ruleId: rule.id, ruleVersion: 1 } });
    const member = STAFF.find((s) => s.id === staffId)!;
    const emails = sandbox('email').sent.filter((m) => m.notificationId === rows[0]!.notification_id);
    expect(emails).toHaveLength(1);
    expect(emails[0]!.to).toBe(member.contacts.email);
    expect((emails[0]!.rendered as { text: string }).text).toContain(member.name);
    const alerts = await listStaffAlerts(service.db, staffId, { unreadOnly: true });
    expect(alerts.find((a) => a.eventId === raw.eventId)).toMatchObject({ eventType: type, centreId: centre.id, readAt: null });
  });
});

describe('a rule changed between two events', () => {
  it('routes the first by the old version and the second by the new, both explained by the ledger', async () => {
    // Given a rule sending urgent lab tests to the billing lead by email
    const created = await createRoutingRule(deps(), {
      ruleId: 'urgent-lab-to-bina',
      actor: 'alice-admin',
      input: {
        name: 'Urgent lab tests to Bina',
        eventTypes: ['lab.*'],
        conditions: [{ field: 'test.priority', op: 'in', value: ['urgent', 'stat'] }],
        targets: { staffIds: ['bina-billing'] },
        channels: ['email'],
        priority: 500,
      },
    });
    if (!created.ok) throw new Error(JSON.stringify(created.error));
    await service.whenProcessed(created.value.position);
    const first = validEnvelope('lab.test_requested');
    await recordAndProject(service, first);

    // When an admin moves it to WhatsApp, and a second urgent test is requested
    const updated = await updateRoutingRule(deps(), { ruleId: 'urgent-lab-to-bina', changes: { channels: ['whatsapp'] }, expectedVersion: 1, actor: 'bob-admin' });
    if (!updated.ok) throw new Error(JSON.stringify(updated.error));
    await service.whenProcessed(updated.value.position);
    const second = validEnvelope('lab.test_requested');
    await recordAndProject(service, second);

    // Then the first went by email under version 1 and the second by WhatsApp under version 2
    const byBina = async (eventId: string) => (await settledNotifications(service, eventId)).filter((r) => r.recipient_id === 'bina-billing');
    const [one] = await byBina(first.eventId);
    const [two] = await byBina(second.eventId);
    expect(await plannedOf(one!.notification_id)).toMatchObject({ channel: 'email', selection: { kind: 'routing-rule', ruleId: 'urgent-lab-to-bina', ruleVersion: 1 } });
    expect(await plannedOf(two!.notification_id)).toMatchObject({ channel: 'whatsapp', selection: { kind: 'routing-rule', ruleId: 'urgent-lab-to-bina', ruleVersion: 2 } });
    expect(sandbox('whatsapp').sent.filter((m) => m.notificationId === two!.notification_id).map((m) => m.to)).toEqual(['+919811111111']);
    // And the rule's own stream says who changed it, version by version
    const history = await readStreamToArray(service.store, streamName.routingRule('urgent-lab-to-bina'));
    expect(history.map((e) => [e.type, (e.data as { version: number }).version, e.metadata.actor])).toEqual([
      ['RoutingRuleCreated', 1, 'alice-admin'],
      ['RoutingRuleUpdated', 2, 'bob-admin'],
    ]);
    // And the lab still heard about both through the default rule
    expect((await settledNotifications(service, second.eventId)).map((r) => r.recipient_id)).toContain('lalit-lab');
  });
});

describe('the directory as of the event', () => {
  it('routes by each member\'s record at the event\'s position: moved away, deactivated, or added later', async () => {
    // Given a billing clerk who moved to another centre, and one deactivated, both after working here
    const mover = { id: 'mo-mover', name: 'Mo', roles: ['billing'], centreIds: [centre.id], contacts: { email: 'mo@clinic.example' } };
    const leaver = { id: 'li-leaver', name: 'Li', roles: ['billing'], centreIds: [centre.id], contacts: { email: 'li@clinic.example' } };
    await seedStaff(service, clock, [mover, leaver, { ...mover, centreIds: ['centre-mysuru'] }]);
    const gone = await deactivateStaffMember(deps(), { staffId: 'li-leaver', reason: 'left the clinic', actor: 'alice-admin' });
    if (!gone.ok || !gone.value.position) throw new Error('deactivation refused');
    await service.whenProcessed(gone.value.position);

    // When a bill is generated here, and a new clerk joins after it
    const raw = validEnvelope('billing.bill_generated');
    await recordAndProject(service, raw);
    await seedStaff(service, clock, [{ ...mover, id: 'na-newcomer', name: 'Na', contacts: { email: 'na@clinic.example' } }]);

    // Then only the clerk who works here now hears about it
    const rows = await settledNotifications(service, raw.eventId);
    expect([...new Set(rows.map((r) => r.recipient_id))]).toEqual(['bina-billing']);
  });
});

describe('a staff event received again after the dedup window', () => {
  it('is not routed again, even when the rules changed in between', async () => {
    // Given a deposit routed to accounts
    const raw = validEnvelope('billing.deposit_received');
    const first = await recordAndProject(service, raw);
    expect(first).toMatchObject({ outcome: 'accepted', receipt: 1 });
    const before = await settledNotifications(service, raw.eventId);

    // When a rule now names the billing lead for deposits, and the same event arrives after the window
    const rule = await createRoutingRule(deps(), {
      ruleId: 'deposits-to-bina', actor: 'alice-admin',
      input: { name: 'Deposits to Bina', eventTypes: ['billing.deposit_received'], targets: { staffIds: ['bina-billing'] }, channels: ['email'] },
    });
    if (!rule.ok) throw new Error(JSON.stringify(rule.error));
    clock.advance(10 * 60_000);
    const again = await recordAndProject(service, raw);

    // Then it is a second receipt, and nobody new is notified: the first routing stands
    expect(again).toMatchObject({ outcome: 'accepted', receipt: 2 });
    expect((await settledNotifications(service, raw.eventId)).map((r) => r.notification_id)).toEqual(before.map((r) => r.notification_id));
    const removed = await deleteRoutingRule(deps(), { ruleId: 'deposits-to-bina', actor: 'alice-admin' });
    if (removed.ok) await service.whenProcessed(removed.value.position);
  });
});

describe('invalid rules', () => {
  it.each([
    ['an unknown role', { targets: { roles: ['janitor'] } }, 'targets.roles.0', 'unknown-role'],
    ['an empty channel list', { channels: [] }, 'channels', 'empty-channels'],
    ['a bad glob', { eventTypes: ['billing.[x'] }, 'eventTypes.0', 'bad-glob'],
    ['>= on a non-numeric field', { conditions: [{ field: 'bill.number', op: 'gte', value: '100' }] }, 'conditions.0.field', 'non-numeric-field'],
    ['an unknown event type', { eventTypes: ['billing.invoice_sent'] }, 'eventTypes.0', 'unknown-event-type'],
  ])('are refused with a clear error naming the field, and nothing is appended: %s', async (_what, change, field, code) => {
    const head = await lastCommitted(service.db);
    const input = { name: 'Bad rule', eventTypes: ['billing.bill_generated'], targets: { roles: ['billing'] }, channels: ['email'], ...change };
    const result = await createRoutingRule(deps(), { ruleId: `bad-${code}`, input, actor: 'alice-admin' });
    expect(result).toMatchObject({ ok: false, error: { kind: 'invalid-input', issues: [expect.objectContaining({ field, code, message: expect.any(String) })] } });
    expect(await lastCommitted(service.db)).toEqual(head);
    expect(await readStreamToArray(service.store, streamName.routingRule(`bad-${code}`))).toEqual([]);
  });
});

describe('in-app alerts', () => {
  it('are published live to the staff member\'s subscription and can be marked read', async () => {
    const live = service.staffAlerts.subscribe('lalit-lab')[Symbol.asyncIterator]();
    const next = live.next();
    const raw = validEnvelope('lab.test_requested');
    await recordAndProject(service, raw);
    const { value: alert } = await next;
    await live.return?.(undefined);
    expect(alert).toMatchObject({ staffId: 'lalit-lab', eventId: raw.eventId, readAt: null, selection: { kind: 'routing-rule', ruleId: 'default-test-requested' } });
    // The hub carries the alert as kept, its words sealed; a subscriber's answer opens them.
    expect(alert!.title).not.toContain('Lipid Profile');
    expect((await service.cells.open(alert!)).title).toContain('Lipid Profile');
  });

  it('are marked read through the ledger, once, however often it is asked', async () => {
    const [alert] = await until(() => listStaffAlerts(service.db, 'lalit-lab', { unreadOnly: true }).then((a) => (a.length ? a : null)));
    const command = { staffId: 'lalit-lab', notificationId: alert!.notificationId, actor: 'alice-admin' };
    const first = await markStaffAlertRead({ ...deps(), alerts: staffAlertBook(service.db) }, command);
    const again = await markStaffAlertRead({ ...deps(), alerts: staffAlertBook(service.db) }, command);
    expect(first).toMatchObject({ ok: true, value: { alert: { readBy: 'alice-admin' } } });
    expect(again).toMatchObject({ ok: true, value: { position: null } });
    const reads = (await readStreamToArray(service.store, streamName.notification(alert!.notificationId))).filter((e) => e.type === 'StatusReported');
    expect(reads).toMatchObject([{ data: { status: 'read', provider: 'in-app' }, metadata: { actor: 'alice-admin' } }]);
    expect(await markStaffAlertRead({ ...deps(), alerts: staffAlertBook(service.db) }, { ...command, staffId: 'bina-billing' })).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });
});

describe('unrouted staff events', () => {
  it('records an event whose rules find nobody at its centre as unrouted, with a metric', async () => {
    const raw = validEnvelope('billing.bill_generated');
    (raw.data as { centre: { id: string } }).centre.id = 'centre-without-staff';
    await recordAndProject(service, raw);
    const [unrouted] = await readStreamToArray(service.store, streamName.staffRouting(raw.eventId));
    expect(unrouted).toMatchObject({ type: 'StaffEventUnrouted', data: { eventId: raw.eventId, reason: 'no-recipients', matchedRules: [{ ruleId: 'default-bill-generated', version: 1 }] } });
    await service.whenProcessed(unrouted!.position);
    const row = await service.db.selectFrom('unrouted_staff_events').selectAll().where('event_id', '=', raw.eventId).executeTakeFirst();
    expect(row).toMatchObject({ event_type: 'billing.bill_generated', centre_id: 'centre-without-staff', reason: 'no-recipients' });
    const metric = await service.metrics.getSingleMetric('staff_events_unrouted_total')!.get();
    expect(metric.values).toContainEqual(expect.objectContaining({ labels: { event_type: 'billing.bill_generated', reason: 'no-recipients' }, value: 1 }));
  });

  it('records an event no rule matches as unrouted once an admin disables the only rule for it', async () => {
    const disabled = await updateRoutingRule(deps(), { ruleId: 'default-deposit-received', changes: { enabled: false }, actor: 'alice-admin' });
    if (!disabled.ok) throw new Error(JSON.stringify(disabled.error));
    await service.whenProcessed(disabled.value.position);
    const raw = validEnvelope('billing.deposit_received');
    await recordAndProject(service, raw);
    const [unrouted] = await until(() => readStreamToArray(service.store, streamName.staffRouting(raw.eventId)).then((e) => (e.length ? e : null)));
    expect(unrouted!.data).toMatchObject({ reason: 'no-matching-rule', matchedRules: [] });
    expect(await service.db.selectFrom('notifications').select('notification_id').where('event_id', '=', raw.eventId).execute()).toEqual([]);
  });
});

describe('a rebuild', () => {
  it('replays the staff directory, rules, routings, unrouted events and in-app alerts identical to the live ones', async () => {
    await until(async () => {
      const open = await service.db.selectFrom('notifications').select('notification_id').where('status', 'in', ['planned', 'sending']).execute();
      return open.length === 0;
    }, { what: 'every notification to be sent' });
    const head = await service.store.headPosition();
    if (head) await service.whenProcessed(head);
    const { stdout } = await run('npx', ['tsx', 'src/replay-cli.ts'], { env: { ...process.env, DATABASE_URL: service.database.url, LEDGER_MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'silent' }, cwd: process.cwd() })
      .catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(stdout).toContain('No differences');
  }, 120_000);
});
