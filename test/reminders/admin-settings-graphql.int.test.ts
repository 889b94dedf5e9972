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
    services: { store: service.store, db: service.db, intake: service.intake, clock, feed: new DeliveryFeed({ db: service.db, logger: silentLogger() }), logger: silentLogger() },
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
