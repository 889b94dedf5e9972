import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelTransport, OutboundMessage, SendOutcome } from '../../src/channels/channel-port.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import { fixedClock } from '../support/clock.ts';
import { FIXTURE_NOW } from '../support/slots.ts';
import { envelopesOn } from '../support/envelopes.ts';
import { ADMIN_TOKEN, AUDITOR_TOKEN, DASHBOARD_TOKEN, INGEST_TOKEN, startTestService, type TestService } from '../support/service.ts';
import { until } from '../support/until.ts';
import { gqlData } from './support/graphql-client.ts';
import { PUBLISH_EVENT, publishOverGraphql } from './support/publishing.ts';
import { ledgerHead, settledHead } from './support/settle.ts';

/** An email provider that refuses every message for good until it is mended, naming the address as providers do. */
class BrokenEmail implements ChannelTransport {
  readonly channel = 'email' as const;
  readonly provider = 'stand-in';
  mended = false;
  async send(message: OutboundMessage): Promise<SendOutcome> {
    if (this.mended) return { kind: 'sent', provider: this.provider, providerMessageId: `msg-${message.notificationId}-${message.attempt}` };
    return { kind: 'failed', provider: this.provider, retryable: false, code: 'MessageRejected', message: `Address ${message.to} is blocked (patient +919876543210)` };
  }
}

const clock = fixedClock(FIXTURE_NOW);
// Events are built for the clock's now when built: their slots lie ahead of it.
const { confirmedEnvelope, validEnvelope } = envelopesOn(clock);
const email = new BrokenEmail();
let service: TestService;

beforeAll(async () => {
  service = await startTestService({ clock, transports: { email }, dispatcher: { pollIntervalMs: 50 } });
});
afterAll(async () => service?.stop());

const LEDGER = 'query ($s: String!) { ledger(stream: $s) { type data metadata } }';
const readLedger = async (stream: string) =>
  (await gqlData<{ ledger: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[] }>(service, AUDITOR_TOKEN, LEDGER, { s: stream })).ledger;

async function notificationOf(eventId: string, channel: string, status: string) {
  return until(async () => {
    const row = await service.db.selectFrom('notifications').selectAll().where('event_id', '=', eventId).where('channel', '=', channel).executeTakeFirst();
    return row?.status === status ? row : null;
  }, { what: `the ${channel} notification of ${eventId} to be ${status}` });
}

describe('publishEvent', () => {
  it('records the event with the publisher as actor, and answers a repeat as a duplicate', async () => {
    const raw = confirmedEnvelope();
    const first = await gqlData<{ publishEvent: Record<string, unknown> }>(service, INGEST_TOKEN, PUBLISH_EVENT, { input: raw });
    expect(first.publishEvent).toMatchObject({ __typename: 'EventAccepted', eventId: raw.eventId, receipt: 1 });
    const again = await gqlData<{ publishEvent: Record<string, unknown> }>(service, INGEST_TOKEN, PUBLISH_EVENT, { input: raw });
    expect(again.publishEvent).toMatchObject({ __typename: 'EventDuplicate', eventId: raw.eventId, payloadMatches: true });
    const entries = await readLedger(`inbound-${raw.eventId}`);
    expect(entries.map((e) => [e.type, e.metadata.actor, e.data.via])).toEqual([
      ['InboundEventReceived', 'his-ingest', 'graphql'],
      ['DuplicateIgnored', 'his-ingest', 'graphql'],
    ]);
  });
});

describe('retryNotification', () => {
  it('gives a failed notification a new attempt, recorded with the admin as actor', async () => {
    email.mended = false;
    const raw = confirmedEnvelope();
    await publishOverGraphql(service, raw);
    const failed = await notificationOf(raw.eventId, 'email', 'failed');
    email.mended = true;
    const RETRY = 'mutation ($id: ID!) { retryNotification(id: $id) { __typename ... on RetryRequested { notificationId previousAttempts } } }';
    const answer = await gqlData<{ retryNotification: Record<string, unknown> }>(service, ADMIN_TOKEN, RETRY, { id: failed.notification_id });
    expect(answer.retryNotification).toEqual({ __typename: 'RetryRequested', notificationId: failed.notification_id, previousAttempts: 1 });
    const sent = await notificationOf(raw.eventId, 'email', 'sent');
    expect(sent).toMatchObject({ attempts: 2, provider_message_id: `msg-${failed.notification_id}-2` });
    const story = await readLedger(streamName.notification(failed.notification_id));
    expect(story.map((e) => e.type)).toEqual([
      'NotificationPlanned', 'AttemptStarted', 'AttemptFailed', 'NotificationFailed', 'RetryRequested', 'AttemptStarted', 'NotificationSent',
    ]);
    expect(story[4]!.metadata).toMatchObject({ actor: 'alice-admin', correlationId: raw.eventId });
  });

  it('shows the provider error to an auditor in full and to a dashboard with contacts masked', async () => {
    email.mended = false;
    const raw = confirmedEnvelope();
    await publishOverGraphql(service, raw);
    const failed = await notificationOf(raw.eventId, 'email', 'failed');
    const QUERY = 'query ($id: ID!) { notification(id: $id) { lastErrorCode lastError } }';
    const asAuditor = await gqlData<{ notification: { lastError: string } }>(service, AUDITOR_TOKEN, QUERY, { id: failed.notification_id });
    expect(asAuditor.notification).toEqual({ lastErrorCode: 'MessageRejected', lastError: 'Address asha@example.com is blocked (patient +919876543210)' });
    const asDashboard = await gqlData<{ notification: { lastError: string } }>(service, DASHBOARD_TOKEN, QUERY, { id: failed.notification_id });
    expect(asDashboard.notification.lastError).toBe('Address a***@example.com is blocked (patient +91******3210)');
  });
});

describe('setChannelPreference', () => {
  it('records an opt-out with the admin as actor, and the next event for that patient is not sent on that channel', async () => {
    const patientId = `pat-${randomUUID()}`;
    const SET = 'mutation ($p: ID!) { setChannelPreference(patientId: $p, channel: whatsapp, optedIn: false) { __typename ... on ChannelPreference { patientId channel optedIn } } }';
    const answer = await gqlData<{ setChannelPreference: Record<string, unknown> }>(service, ADMIN_TOKEN, SET, { p: patientId });
    expect(answer.setChannelPreference).toEqual({ __typename: 'ChannelPreference', patientId, channel: 'whatsapp', optedIn: false });
    const entries = await readLedger(streamName.personPreference(patientId));
    expect(entries.map((e) => [e.type, e.data.reason, e.data.actor, e.metadata.actor])).toEqual([['ContactOptedOut', 'admin', 'alice-admin', 'alice-admin']]);

    email.mended = true;
    const raw = confirmedEnvelope();
    (raw.data as { patient: Record<string, unknown> }).patient = { id: patientId, name: 'Opted Out', phone: '+919876543299', email: 'out@example.com' };
    await publishOverGraphql(service, raw);
    const whatsapp = await notificationOf(raw.eventId, 'whatsapp', 'suppressed');
    expect(whatsapp.suppression_reason).toBe('opted-out');
    await notificationOf(raw.eventId, 'email', 'sent');
  });
});

describe('resumeChannel', () => {
  it('resumes a channel paused by its provider, with the admin as actor', async () => {
    const paused = await service.store.append(streamName.channel('sms'), [{
      id: randomUUID(),
      type: 'ChannelPaused',
      data: { channel: 'sms', kind: 'policy', code: '30002', detail: 'account suspended', resumeAt: null, at: clock.now().toISOString(), actor: 'system' },
      metadata: { actor: 'system' },
    }], 'any');
    if (!paused.ok) throw paused.error;
    const RESUME = 'mutation { resumeChannel(channel: sms) { __typename ... on ChannelResumed { channel } } }';
    const answer = await gqlData<{ resumeChannel: Record<string, unknown> }>(service, ADMIN_TOKEN, RESUME);
    expect(answer.resumeChannel).toEqual({ __typename: 'ChannelResumed', channel: 'sms' });
    const entries = await readLedger(streamName.channel('sms'));
    expect(entries.map((e) => [e.type, e.metadata.actor])).toEqual([['ChannelPaused', 'system'], ['ChannelResumed', 'alice-admin']]);
  });
});

const BAD_INPUT: [string, string, () => Promise<Record<string, unknown>>, Record<string, unknown>][] = [
  ['publishEvent', 'a malformed phone', async () => {
    const raw = validEnvelope('appointment.confirmed');
    (raw.data as { patient: Record<string, unknown> }).patient = { id: 'p', name: 'N', phone: '98765' };
    return { query: PUBLISH_EVENT, variables: { input: raw } };
  }, { __typename: 'ValidationError', kind: 'invalid-payload', issues: [{ path: 'data.patient.phone' }] }],
  ['publishEvent', 'an unknown type', async () => ({ query: PUBLISH_EVENT, variables: { input: { ...validEnvelope('appointment.confirmed'), type: 'appointment.teleported' } } }),
    { __typename: 'ValidationError', kind: 'unknown-type', issues: [{ path: 'type' }] }],
  ['publishEvent', 'a type only this service generates', async () => ({ query: PUBLISH_EVENT, variables: { input: { ...validEnvelope('appointment.confirmed'), type: 'appointment.reminder' } } }),
    { __typename: 'ValidationError', kind: 'unknown-type' }],
  ['publishEvent', 'an empty eventId', async () => ({ query: PUBLISH_EVENT, variables: { input: { ...validEnvelope('appointment.confirmed'), eventId: '' } } }),
    { __typename: 'ValidationError', kind: 'invalid-envelope', issues: [{ path: 'eventId' }] }],
  ['setChannelPreference', 'an email address for WhatsApp', async () => ({
    query: 'mutation { setChannelPreference(patientId: "pat-9", channel: whatsapp, optedIn: false, address: "a@example.com") { __typename ... on ValidationError { kind issues { path message } } } }',
  }), { __typename: 'ValidationError', kind: 'invalid-input', issues: [{ path: 'address' }] }],
  ['setChannelPreference', 'an empty patient id', async () => ({
    query: 'mutation { setChannelPreference(patientId: "", channel: sms, optedIn: true) { __typename ... on ValidationError { kind issues { path message } } } }',
  }), { __typename: 'ValidationError', kind: 'invalid-input', issues: [{ path: 'patientId' }] }],
  ['retryNotification', 'an id that is not a notification id', async () => ({
    query: 'mutation { retryNotification(id: "nope") { __typename ... on ValidationError { kind issues { path message } } } }',
  }), { __typename: 'ValidationError', kind: 'invalid-input', issues: [{ path: 'id' }] }],
  ['retryNotification', 'an unknown notification', async () => ({
    query: `mutation { retryNotification(id: "${randomUUID()}") { __typename ... on NotFoundError { message } } }`,
  }), { __typename: 'NotFoundError' }],
  ['retryNotification', 'a notification that was sent', async () => {
    const raw = confirmedEnvelope();
    email.mended = true;
    await publishOverGraphql(service, raw);
    const sent = await notificationOf(raw.eventId, 'whatsapp', 'sent');
    return { query: `mutation { retryNotification(id: "${sent.notification_id}") { __typename ... on StateConflictError { reason message } } }` };
  }, { __typename: 'StateConflictError', reason: 'not-failed' }],
  ['resumeChannel', 'a channel that is not paused', async () => ({
    query: 'mutation { resumeChannel(channel: push) { __typename ... on StateConflictError { reason message } } }',
  }), { __typename: 'StateConflictError', reason: 'not-paused' }],
];

describe('bad input', () => {
  it.each(BAD_INPUT)('%s with %s answers a typed error and leaves the ledger as it was', async (field, _what, prepare, expected) => {
    const { query, variables } = (await prepare()) as { query: string; variables?: Record<string, unknown> };
    const before = await settledHead(service);
    const data = await gqlData<Record<string, unknown>>(service, ADMIN_TOKEN, query, variables ?? {});
    expect(data[field]).toMatchObject(expected);
    expect(await ledgerHead(service)).toBe(before);
  });
});
