import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamName } from '../../src/domain/stream-name.ts';
import { readStreamToArray } from '../../src/ledger/event-store.ts';
import { fixedClock } from '../support/clock.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { recordAndProject } from '../support/publish.ts';
import { ADMIN_TOKEN, DASHBOARD_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gql } from './support/graphql-client.ts';
import { optOutPerson } from '../support/whatsapp-statuses.ts';

const clock = fixedClock(new Date());
const { validEnvelope } = envelopesOn(clock);
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, dispatcher: { pollIntervalMs: 20 } });
});
afterAll(async () => service?.stop());

/** Over HTTP, as a client sends it; the caller is the token's. */
const graphql = (token: string, query: string, variables: Record<string, unknown> = {}) => gql<Record<string, unknown>>(service, token, query, variables);

const SET_POLICY = `mutation ($eventType: String!, $primary: [String!]!, $fallbacks: [FallbackStepInput!], $minutes: Int, $centreId: ID) {
  setChannelPolicy(eventType: $eventType, primary: $primary, fallbacks: $fallbacks, undeliveredAfterMinutes: $minutes, centreId: $centreId) {
    __typename
    ... on ChannelPolicy { eventType centreId primary fallbacks { channel then } undeliveredAfterMinutes version changedBy position }
    ... on ValidationError { kind issues { path message } }
  }
}`;

describe('channel policy over GraphQL', () => {
  it('lists the seed matrix with WhatsApp falling back to SMS before anyone changed it', async () => {
    const { data } = await graphql(DASHBOARD_TOKEN, '{ channelPolicies { eventType centreId primary fallbacks { channel then } undeliveredAfterMinutes version } }');
    const policies = data!.channelPolicies as { eventType: string; primary: string[]; fallbacks: unknown[]; undeliveredAfterMinutes: number; version: number }[];
    expect(policies.find((p) => p.eventType === 'appointment.confirmed')).toEqual({
      eventType: 'appointment.confirmed', centreId: null, primary: ['whatsapp', 'email'], fallbacks: [{ channel: 'whatsapp', then: ['sms'] }], undeliveredAfterMinutes: 15, version: 0,
    });
    expect(policies.find((p) => p.eventType === 'walkin.token_called')).toMatchObject({ undeliveredAfterMinutes: 3 });
  });

  it('sets a policy with its actor, and refuses bad input with a typed error naming the field, changing nothing', async () => {
    const refused = await graphql(ADMIN_TOKEN, SET_POLICY, { eventType: 'clinical.report_ready', primary: ['whatsapp', 'pigeon'], minutes: 5000 });
    expect(refused.data!.setChannelPolicy).toEqual({
      __typename: 'ValidationError',
      kind: 'invalid-input',
      issues: [
        { path: 'primary[1]', message: 'must be one of whatsapp, sms, email' },
        { path: 'undeliveredAfterMinutes', message: 'must be a whole number of minutes from 1 to 1440' },
      ],
    });
    expect(await readStreamToArray(service.store, streamName.channelPolicy('clinical.report_ready'))).toEqual([]);

    const set = await graphql(ADMIN_TOKEN, SET_POLICY, { eventType: 'clinical.report_ready', primary: ['email', 'whatsapp'], fallbacks: [{ channel: 'whatsapp', then: ['sms'] }], minutes: 30 });
    expect(set.data!.setChannelPolicy).toMatchObject({
      __typename: 'ChannelPolicy', eventType: 'clinical.report_ready', centreId: null, primary: ['email', 'whatsapp'], fallbacks: [{ channel: 'whatsapp', then: ['sms'] }], undeliveredAfterMinutes: 30, version: 1, changedBy: 'alice-admin',
    });
    const [recorded] = await readStreamToArray(service.store, streamName.channelPolicy('clinical.report_ready'));
    expect(recorded).toMatchObject({ type: 'ChannelPolicySet', metadata: { actor: 'alice-admin' } });

    const denied = await graphql(DASHBOARD_TOKEN, SET_POLICY, { eventType: 'clinical.report_ready', primary: ['email'] });
    expect(denied.errors[0]?.message).toMatch(/not authorized/i);
  });

  it('shows a fallback beside its original, and explains each step of its timeline', async () => {
    const raw = validEnvelope('appointment.completed');
    const personId = `pat-${randomUUID()}`;
    (raw.data as { patient: { id: string } }).patient.id = personId;
    await optOutPerson(service, clock, personId);
    await recordAndProject(service, raw);
    const original = await until(async () => {
      const rows = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', raw.eventId).execute();
      return rows.length === 2 && rows.some((r) => r.channel === 'sms' && r.status === 'sent') ? rows.find((r) => r.channel === 'whatsapp') : null;
    }, { what: 'the SMS fallback to be sent' });

    const { data } = await graphql(DASHBOARD_TOKEN, `query ($id: ID!) { notification(id: $id) {
      status suppressionReason fallbackOf
      fallbacks { channel status fallbackOf recipient { address } timeline { type explanation } }
    } }`, { id: original.notification_id });
    const notification = data!.notification as { fallbacks: { timeline: { type: string; explanation: string }[] }[] };
    expect(notification).toMatchObject({ status: 'suppressed', suppressionReason: 'opted-out', fallbackOf: null });
    expect(notification.fallbacks).toHaveLength(1);
    expect(notification.fallbacks[0]).toMatchObject({ channel: 'sms', status: 'sent', fallbackOf: original.notification_id, recipient: { address: '+91******3210' } });
    const steps = notification.fallbacks[0]!.timeline;
    expect(steps.map((s) => s.type)).toEqual(['FallbackPlanned', 'NotificationPlanned', 'AttemptStarted', 'NotificationSent']);
    expect(steps[0]!.explanation).toBe(`Fallback on sms for notification ${original.notification_id}, because it was suppressed (opted-out); under the default channel policy.`);
    expect(steps[1]!.explanation).toMatch(/^Planned on sms with template appointment\.completed:sms:en v\d+, to be sent by \S+ or not at all\.$/);
    for (const step of steps) expect(step.explanation).not.toContain('9876543210');
  });
});
