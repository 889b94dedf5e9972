import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { streamName } from '../../src/domain/stream-name.ts';
import { parsePosition, readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { centre, envelopesOn } from '../support/envelopes.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { recordAndProject } from '../support/publish.ts';
import { lastCommitted } from '../support/read-all-visible.ts';
import { until } from '../support/until.ts';

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 50 } });
});
afterAll(async () => service?.stop());

type Json = Record<string, unknown>;
async function graphql(token: string, query: string, variables: Json = {}) {
  const response = await fetch(new URL('/graphql', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, Json | Json[] | null>; errors?: { message: string }[] };
}

/** Waits until the read models have applied the change a mutation answered with. */
async function applied(answer: unknown) {
  const position = parsePosition(String((answer as { position: string }).position));
  if (position) await service.whenProcessed(position);
}

const UPSERT = `mutation ($input: StaffMemberInput!) {
  upsertStaffMember(input: $input) {
    __typename
    ... on StaffMember { id roles centreIds active changedBy position }
    ... on InputRejected { issues { field code message } }
  }
}`;
const CREATE = `mutation ($id: String, $input: RoutingRuleInput!) {
  createRoutingRule(id: $id, input: $input) {
    __typename
    ... on RoutingRule { id version channels targetRoles changedBy position }
    ... on InputRejected { message issues { field code message } }
    ... on StateConflictError { reason }
  }
}`;
const UPDATE = `mutation ($id: String!, $changes: RoutingRuleChanges!, $expectedVersion: Int) {
  updateRoutingRule(id: $id, changes: $changes, expectedVersion: $expectedVersion) {
    __typename
    ... on RoutingRule { id version channels targetRoles targetStaffIds changedBy position }
    ... on StateConflictError { reason message }
    ... on NotFoundError { id }
  }
}`;

const lata = { id: 'lata-lab', name: 'Lata Menon', roles: ['lab', 'admin'], centreIds: [centre.id], contacts: { email: 'lata@clinic.example', whatsapp: '+919822222222' } };

describe('the staff directory over GraphQL', () => {
  it('records an admin\'s staff member with who made the change, and lists them by centre and role', async () => {
    const { data } = await graphql(ADMIN_TOKEN, UPSERT, { input: lata });
    expect(data!.upsertStaffMember).toMatchObject({ __typename: 'StaffMember', id: 'lata-lab', roles: ['lab', 'admin'], active: true, changedBy: 'alice-admin' });
    await applied(data!.upsertStaffMember);
    const [event] = await readStreamToArray(service.store, streamName.staffMember('lata-lab'));
    expect(event).toMatchObject({ type: 'StaffMemberUpserted', data: { actor: 'alice-admin' }, metadata: { actor: 'alice-admin' } });

    const list = `query ($centreId: String, $role: StaffRole) { staffMembers(centreId: $centreId, role: $role) { id contacts { email whatsapp } } }`;
    expect((await graphql(AUDITOR_TOKEN, list, { centreId: centre.id, role: 'lab' })).data!.staffMembers).toEqual([
      { id: 'lata-lab', contacts: { email: 'lata@clinic.example', whatsapp: '+919822222222' } },
    ]);
    expect((await graphql(DASHBOARD_TOKEN, list, { centreId: centre.id, role: 'lab' })).data!.staffMembers).toEqual([
      { id: 'lata-lab', contacts: { email: 'l***@clinic.example', whatsapp: '+91******2222' } },
    ]);
    expect((await graphql(AUDITOR_TOKEN, list, { centreId: 'centre-elsewhere', role: 'lab' })).data!.staffMembers).toEqual([]);
  });

  it('refuses an unknown role with a typed error naming the field, and appends nothing', async () => {
    const { data } = await graphql(ADMIN_TOKEN, UPSERT, { input: { ...lata, id: 'pat-porter', roles: ['porter'] } });
    expect(data!.upsertStaffMember).toEqual({
      __typename: 'InputRejected',
      issues: [{ field: 'roles.0', code: 'unknown-role', message: expect.stringContaining('unknown role "porter"') }],
    });
    expect(await readStreamToArray(service.store, streamName.staffMember('pat-porter'))).toEqual([]);
  });

  it('refuses changes from a dashboard token', async () => {
    const { data, errors } = await graphql(DASHBOARD_TOKEN, UPSERT, { input: { ...lata, id: 'dash-made' } });
    expect(data?.upsertStaffMember ?? null).toBeNull();
    expect(errors?.length).toBeGreaterThan(0);
    expect(await readStreamToArray(service.store, streamName.staffMember('dash-made'))).toEqual([]);
  });
});

describe('routing rules over GraphQL', () => {
  it('lists the default rules, made by system', async () => {
    const { data } = await graphql(DASHBOARD_TOKEN, '{ routingRules { id version changedBy eventTypes targetRoles channels } }');
    expect(data!.routingRules).toContainEqual({ id: 'default-package-events', version: 1, changedBy: 'system', eventTypes: ['package.*'], targetRoles: ['front_desk'], channels: ['email', 'in_app'] });
  });

  it('creates, updates and deletes a rule, each a version in the ledger with the caller as actor', async () => {
    const created = (await graphql(ADMIN_TOKEN, CREATE, {
      id: 'stat-tests',
      input: {
        name: 'Stat tests to the lab lead',
        eventTypes: ['lab.test_requested'],
        conditions: [{ field: 'test.priority', op: 'equals', value: 'stat' }],
        targetStaffIds: ['lata-lab'],
        channels: ['whatsapp'],
        priority: 300,
        stopAfterMatch: true,
      },
    })).data!.createRoutingRule;
    expect(created).toMatchObject({ __typename: 'RoutingRule', id: 'stat-tests', version: 1, channels: ['whatsapp'], changedBy: 'alice-admin' });

    const stale = (await graphql(ADMIN_TOKEN, UPDATE, { id: 'stat-tests', changes: { channels: ['sms'] }, expectedVersion: 7 })).data!.updateRoutingRule;
    expect(stale).toMatchObject({ __typename: 'StateConflictError', reason: 'version-conflict' });

    const updated = (await graphql(ADMIN_TOKEN, UPDATE, { id: 'stat-tests', changes: { targetRoles: ['lab'] }, expectedVersion: 1 })).data!.updateRoutingRule;
    expect(updated).toMatchObject({ version: 2, targetRoles: ['lab'], targetStaffIds: ['lata-lab'], channels: ['whatsapp'] });

    const deleted = (await graphql(ADMIN_TOKEN, `mutation { deleteRoutingRule(id: "stat-tests") { __typename ... on RoutingRule { version position } } }`)).data!.deleteRoutingRule;
    expect(deleted).toMatchObject({ __typename: 'RoutingRule', version: 3 });
    await applied(deleted);
    const rules = (await graphql(AUDITOR_TOKEN, '{ routingRules { id } }')).data!.routingRules as Json[];
    expect(rules.map((r) => r.id)).not.toContain('stat-tests');
    const history = await readStreamToArray(service.store, streamName.routingRule('stat-tests'));
    expect(history.map((e) => [e.type, e.metadata.actor])).toEqual([
      ['RoutingRuleCreated', 'alice-admin'],
      ['RoutingRuleUpdated', 'alice-admin'],
      ['RoutingRuleDeleted', 'alice-admin'],
    ]);
  });

  it('answers a rule change with the instant the ledger records, taken from the clock', async () => {
    const input = { name: 'Clocked', eventTypes: ['lab.test_requested'], targetRoles: ['lab'], channels: ['email'] };
    const created = (await graphql(ADMIN_TOKEN, `mutation ($input: RoutingRuleInput!) {
      createRoutingRule(id: "clocked-rule", input: $input) { ... on RoutingRule { changedAt } }
    }`, { input })).data!.createRoutingRule as Json;
    const updated = (await graphql(ADMIN_TOKEN, `mutation {
      updateRoutingRule(id: "clocked-rule", changes: { priority: 7 }) { ... on RoutingRule { changedAt } }
    }`)).data!.updateRoutingRule as Json;
    const history = await readStreamToArray(service.store, streamName.routingRule('clocked-rule'));
    expect([created.changedAt, updated.changedAt]).toEqual(history.map((e) => (e.data as { at: string }).at));
    expect(updated.changedAt).toBe(clock.now().toISOString());
  });

  it.each([
    ['an unknown role', { targetRoles: ['janitor'] }, 'targets.roles.0', 'unknown-role'],
    ['an empty channel list', { channels: [] }, 'channels', 'empty-channels'],
    ['a bad glob', { eventTypes: ['package.{a,b}'] }, 'eventTypes.0', 'bad-glob'],
    ['>= on a non-numeric field', { conditions: [{ field: 'bill.number', op: 'gte', value: 5 }] }, 'conditions.0.field', 'non-numeric-field'],
  ])('refuses %s with InputRejected and leaves the ledger as it was', async (_what, change, field, code) => {
    const head = await lastCommitted(service.db);
    const input = { name: 'Bad', eventTypes: ['billing.bill_generated'], targetRoles: ['billing'], channels: ['email'], ...change };
    const answer = (await graphql(ADMIN_TOKEN, CREATE, { input })).data!.createRoutingRule;
    expect(answer).toMatchObject({ __typename: 'InputRejected', issues: [{ field, code }] });
    expect(await lastCommitted(service.db)).toEqual(head);
  });

  it('answers an update of a rule that does not exist with NotFoundError', async () => {
    expect((await graphql(ADMIN_TOKEN, UPDATE, { id: 'no-such-rule', changes: { enabled: false } })).data!.updateRoutingRule).toEqual({ __typename: 'NotFoundError', id: 'no-such-rule' });
  });
});

describe('in-app alerts and unrouted events over GraphQL', () => {
  it('delivers an alert live over graphql-ws, lists it unread, and marks it read in the ledger', async () => {
    const client = createClient({
      url: new URL('/graphql', service.url).toString().replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${DASHBOARD_TOKEN}` },
      retryAttempts: 0,
    });
    const live = client.iterate<{ staffAlerts: Json }>({ query: 'subscription { staffAlerts(staffId: "lata-lab") { notificationId eventId title readAt } }' });
    const first = live.next();
    await until(() => service.staffAlerts.listenerCount('lata-lab') > 0, { what: 'the subscription to start' });

    const raw = validEnvelope('lab.test_requested');
    await recordAndProject(service, raw);
    const { value } = await first;
    await live.return?.();
    await client.dispose();
    const alert = (value as { data: { staffAlerts: Json } }).data.staffAlerts;
    expect(alert).toMatchObject({ eventId: raw.eventId, readAt: null, title: expect.stringContaining('Lipid Profile') });

    const unread = `query { staffAlerts(staffId: "lata-lab", unreadOnly: true) { notificationId } }`;
    expect((await graphql(DASHBOARD_TOKEN, unread)).data!.staffAlerts).toContainEqual({ notificationId: alert.notificationId });
    const mark = `mutation ($id: String!) { markStaffAlertRead(staffId: "lata-lab", notificationId: $id) { __typename ... on StaffAlert { readAt readBy } } }`;
    expect((await graphql(ADMIN_TOKEN, mark, { id: alert.notificationId })).data!.markStaffAlertRead).toMatchObject({ __typename: 'StaffAlert', readBy: 'alice-admin' });
    expect((await graphql(DASHBOARD_TOKEN, unread)).data!.staffAlerts).not.toContainEqual({ notificationId: alert.notificationId });
    const rows = await until(async () => {
      const r = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
      return r.find((n) => n.channel === 'in_app' && n.status === 'read');
    }, { what: 'the in-app notification to be read' });
    expect(rows).toMatchObject({ recipient_id: 'lata-lab', provider: 'in-app' });
  });

  it('lists a staff event nobody could be notified about', async () => {
    const raw = validEnvelope('package.expired');
    (raw.data as { centre: { id: string } }).centre.id = 'centre-no-desk';
    await recordAndProject(service, raw);
    const found = await until(async () => {
      const list = (await graphql(AUDITOR_TOKEN, '{ unroutedEvents(eventType: "package.expired") { eventId centreId reason matchedRuleIds } }')).data!.unroutedEvents as Json[];
      return list.find((u) => u.eventId === raw.eventId);
    }, { what: 'the unrouted event to be listed' });
    expect(found).toEqual({ eventId: raw.eventId, centreId: 'centre-no-desk', reason: 'no-recipients', matchedRuleIds: ['default-package-events@1'] });
  });
});
