import { graphql as execute } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import type { GraphqlContext } from '../../src/graphql/context.ts';
import { DeliveryFeed } from '../../src/graphql/delivery-feed.ts';
import { schema } from '../../src/graphql/schema/index.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { fixedClock } from '../support/clock.ts';
import { ADMIN_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';

const clock = fixedClock('2026-11-24T04:00:00Z');
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock });
});
afterAll(async () => service?.stop());

const callers = {
  [ADMIN_TOKEN]: { name: 'alice-admin', role: 'admin' },
  [DASHBOARD_TOKEN]: { name: 'wall-dashboard', role: 'dashboard' },
} as const;

/** Executes against the schema, as the service's server does, for the caller a token names. */
async function graphql(token: keyof typeof callers, query: string, variables: Record<string, unknown>) {
  const contextValue: GraphqlContext = {
    caller: callers[token],
    services: { store: service.store, db: service.db, cells: service.cells, keys: service.keys, intake: service.intake, clock, feed: new DeliveryFeed({ db: service.db, logger: silentLogger() }), logger: silentLogger() },
  };
  const result = await execute({ schema, source: query, variableValues: variables, contextValue });
  return result as { data?: Record<string, Record<string, unknown>> | null; errors?: readonly { message: string }[] };
}

const SET_OFFSETS = `mutation ($centreId: ID!, $offsets: [String!]!) {
  setReminderOffsets(centreId: $centreId, offsets: $offsets) {
    __typename
    ... on ReminderOffsets { centreId offsets changedBy position }
    ... on ValidationError { kind issues { path message } }
  }
}`;

const SET_THRESHOLD = `mutation ($centreId: ID!, $queueId: ID!, $threshold: Int!) {
  setWalkInThreshold(centreId: $centreId, queueId: $queueId, threshold: $threshold) {
    __typename
    ... on WalkInThreshold { centreId queueId threshold changedBy }
    ... on ValidationError { kind issues { path message } }
  }
}`;

describe('admin settings over GraphQL', () => {
  it('records an admin\'s reminder offsets in the ledger, in firing order, with who set them', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_OFFSETS, { centreId: 'centre-gql', offsets: ['30m', '48h'] });
    expect(data!.setReminderOffsets).toMatchObject({ __typename: 'ReminderOffsets', centreId: 'centre-gql', offsets: ['48h', '30m'], changedBy: 'alice-admin' });
    const [event] = await readStreamToArray(service.store, streamName.centreSettings('centre-gql'));
    expect(event).toMatchObject({ type: 'ReminderOffsetsSet', data: { offsets: ['48h', '30m'], actor: 'alice-admin' }, metadata: { actor: 'alice-admin' } });
  });

  it('answers bad offsets with a typed error naming the field, and records nothing', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_OFFSETS, { centreId: 'centre-gql-bad', offsets: ['24h', 'tomorrow'] });
    expect(data!.setReminderOffsets).toEqual({
      __typename: 'ValidationError',
      kind: 'invalid-input',
      issues: [{ path: 'offsets[1]', message: 'must be whole hours or minutes such as 24h or 30m' }],
    });
    expect(await readStreamToArray(service.store, streamName.centreSettings('centre-gql-bad'))).toEqual([]);
  });

  it('refuses a dashboard token', async () => {
    const { data, errors } = await graphql(DASHBOARD_TOKEN, SET_OFFSETS, { centreId: 'centre-gql-dash', offsets: ['1h'] });
    expect(data?.setReminderOffsets ?? null).toBeNull();
    expect(errors?.length).toBeGreaterThan(0);
    expect(await readStreamToArray(service.store, streamName.centreSettings('centre-gql-dash'))).toEqual([]);
  });

  it('records a walk-in threshold, and refuses one below 1', async () => {
    const set = await graphql(ADMIN_TOKEN, SET_THRESHOLD, { centreId: 'centre-gql', queueId: 'queue-gp', threshold: 5 });
    expect(set.data!.setWalkInThreshold).toEqual({ __typename: 'WalkInThreshold', centreId: 'centre-gql', queueId: 'queue-gp', threshold: 5, changedBy: 'alice-admin' });
    const refused = await graphql(ADMIN_TOKEN, SET_THRESHOLD, { centreId: 'centre-gql', queueId: 'queue-gp', threshold: 0 });
    expect(refused.data!.setWalkInThreshold).toEqual({ __typename: 'ValidationError', kind: 'invalid-input', issues: [{ path: 'threshold', message: 'must be at least 1' }] });
  });
});

const SET_DEADLINE = `mutation ($eventType: String!, $kind: String!, $minutes: Int, $centreId: ID) {
  setRelevanceDeadline(eventType: $eventType, kind: $kind, minutes: $minutes, centreId: $centreId) {
    __typename
    ... on RelevanceDeadline { eventType centreId kind minutes changedBy }
    ... on ValidationError { kind issues { path message } }
  }
}`;

describe('relevance deadlines over GraphQL', () => {
  it('records an admin\'s rule for one centre in the ledger, with who set it', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_DEADLINE, { eventType: 'walkin.token_called', kind: 'after-receipt', minutes: 10, centreId: 'centre-gql' });
    expect(data!.setRelevanceDeadline).toEqual({ __typename: 'RelevanceDeadline', eventType: 'walkin.token_called', centreId: 'centre-gql', kind: 'after-receipt', minutes: 10, changedBy: 'alice-admin' });
    const [event] = await readStreamToArray(service.store, streamName.deadlineRules('walkin.token_called'));
    expect(event).toMatchObject({ type: 'RelevanceDeadlineSet', data: { centreId: 'centre-gql', rule: { kind: 'after-receipt', minutes: 10 }, actor: 'alice-admin' } });
  });

  it('answers a rule that does not fit with a typed error naming the field, and refuses a dashboard', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_DEADLINE, { eventType: 'package.expired', kind: 'slot-start' });
    expect(data!.setRelevanceDeadline).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'rule.kind' }] });
    expect(await readStreamToArray(service.store, streamName.deadlineRules('package.expired'))).toEqual([]);
    const refused = await graphql(DASHBOARD_TOKEN, SET_DEADLINE, { eventType: 'walkin.token_called', kind: 'after-receipt', minutes: 1 });
    expect(refused.errors?.length).toBeGreaterThan(0);
  });
});

const SET_QUIET = `mutation ($centreId: ID!, $from: String!, $until: String!, $urgent: [UrgentTypeInput!]) {
  setQuietHours(centreId: $centreId, from: $from, until: $until, urgent: $urgent) {
    __typename
    ... on QuietHours { centreId from until urgent { eventType sameDay priority } changedBy }
    ... on ValidationError { kind issues { path message } }
  }
}`;

const CLEAR_QUIET = `mutation ($centreId: ID!) {
  clearQuietHours(centreId: $centreId) { __typename ... on QuietHours { centreId from until changedBy } }
}`;

const QUIET = `query ($centreId: ID!) { quietHours(centreId: $centreId) { centreId from until urgent { eventType sameDay priority } changedBy } }`;

describe('quiet hours over GraphQL', () => {
  it('records an admin\'s quiet hours in the ledger, with who set them, and reads them back', async () => {
    const urgent = [{ eventType: 'walkin.token_called' }, { eventType: 'appointment.cancelled', sameDay: true }, { eventType: 'lab.test_requested', priority: 'stat' }];
    const { data } = await graphql(ADMIN_TOKEN, SET_QUIET, { centreId: 'centre-gql-quiet', from: '21:30', until: '07:00', urgent });
    const expected = {
      centreId: 'centre-gql-quiet',
      from: '21:30',
      until: '07:00',
      urgent: [
        { eventType: 'walkin.token_called', sameDay: false, priority: null },
        { eventType: 'appointment.cancelled', sameDay: true, priority: null },
        { eventType: 'lab.test_requested', sameDay: false, priority: 'stat' },
      ],
      changedBy: 'alice-admin',
    };
    expect(data!.setQuietHours).toEqual({ __typename: 'QuietHours', ...expected });
    const [event] = await readStreamToArray(service.store, streamName.quietHours('centre-gql-quiet'));
    expect(event).toMatchObject({ type: 'QuietHoursSet', data: { centreId: 'centre-gql-quiet', from: '21:30', until: '07:00', actor: 'alice-admin' }, metadata: { actor: 'alice-admin' } });
    const read = await until(async () => (await graphql(DASHBOARD_TOKEN, QUIET, { centreId: 'centre-gql-quiet' })).data?.quietHours ?? null, { what: 'the quiet hours to be readable' });
    expect(read).toEqual(expected);
  });

  it('takes the default urgent types when none are named, and clears quiet hours with who did it', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_QUIET, { centreId: 'centre-gql-night', from: '22:00', until: '08:00' });
    expect((data!.setQuietHours as { urgent: { eventType: string }[] }).urgent.map((u) => u.eventType)).toEqual([
      'walkin.token_called', 'walkin.approaching_turn', 'doctor.emergency_leave', 'appointment.cancelled', 'appointment.rescheduled', 'lab.test_requested',
    ]);
    const cleared = await graphql(ADMIN_TOKEN, CLEAR_QUIET, { centreId: 'centre-gql-night' });
    expect(cleared.data!.clearQuietHours).toEqual({ __typename: 'QuietHours', centreId: 'centre-gql-night', from: null, until: null, changedBy: 'alice-admin' });
    expect((await readStreamToArray(service.store, streamName.quietHours('centre-gql-night'))).map((e) => [e.type, (e.data as { actor: string }).actor]))
      .toEqual([['QuietHoursSet', 'alice-admin'], ['QuietHoursCleared', 'alice-admin']]);
    const read = await until(async () => {
      const q = (await graphql(ADMIN_TOKEN, QUIET, { centreId: 'centre-gql-night' })).data?.quietHours as { from: string | null } | null;
      return q && q.from === null ? q : null;
    }, { what: 'the cleared quiet hours to be read' });
    expect(read).toMatchObject({ from: null, until: null, urgent: [], changedBy: 'alice-admin' });
  });

  it('answers bad input with a typed error naming each field, and records nothing', async () => {
    const { data } = await graphql(ADMIN_TOKEN, SET_QUIET, {
      centreId: 'centre-gql-loud',
      from: '25:00',
      until: '08:00',
      urgent: [{ eventType: 'billing.bill_paid' }, { eventType: 'walkin.token_called' }, { eventType: 'walkin.token_called' }],
    });
    expect(data!.setQuietHours).toMatchObject({ __typename: 'ValidationError', kind: 'invalid-input' });
    expect((data!.setQuietHours as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['from', 'urgent[0].eventType', 'urgent[2]']);
    const same = await graphql(ADMIN_TOKEN, SET_QUIET, { centreId: 'centre-gql-loud', from: '22:00', until: '22:00' });
    expect(same.data!.setQuietHours).toMatchObject({ __typename: 'ValidationError', issues: [{ path: 'until' }] });
    expect(await readStreamToArray(service.store, streamName.quietHours('centre-gql-loud'))).toEqual([]);
  });

  it('refuses a dashboard token', async () => {
    const { data, errors } = await graphql(DASHBOARD_TOKEN, SET_QUIET, { centreId: 'centre-gql-dash', from: '22:00', until: '08:00' });
    expect(data?.setQuietHours ?? null).toBeNull();
    expect(errors?.length).toBeGreaterThan(0);
    expect(await readStreamToArray(service.store, streamName.quietHours('centre-gql-dash'))).toEqual([]);
  });
});
