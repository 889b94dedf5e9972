import { describe, expect, it } from 'vitest';
import type { PatientMessageReceived } from '../../src/domain/conversations/conversation-events.ts';
import { deterministicUuid } from '../../src/domain/ids.ts';
import {
  deadLetteredMessage,
  notificationMessages,
  patientRepliedMessage,
  unroutedMessage,
  webhookBody,
  type NotificationFacts,
  type NotificationStanding,
  type SourceEvent,
} from '../../src/domain/webhooks/webhook-messages.ts';
import { webhookPayloadSchema } from '../../src/domain/webhooks/webhook-payloads.ts';

const notificationId = deterministicUuid('test-notification', 1);
const facts: NotificationFacts = {
  notificationId,
  eventId: 'his:42',
  eventType: 'appointment.confirmed',
  centreId: 'centre-blr',
  bookingReference: 'BK-1001',
  appointmentId: 'appt-1',
  channel: 'whatsapp',
  recipient: { kind: 'patient', id: 'pat-1', address: '+919876543210' },
  fallbackOf: null,
};
const standing = (status: NotificationStanding['status'], extra: Partial<NotificationStanding> = {}): NotificationStanding => ({
  status, attempts: 1, provider: '360dialog', providerMessageId: 'wamid.1', lastErrorCode: null, lastError: null, ...extra,
});
const event = (type: string, data: object, revision = 2): SourceEvent => ({ type, data, revision, ledger: '812/3', recordedAt: new Date('2026-11-24T09:00:09.000Z') });

describe('notification messages', () => {
  it('a status that moves makes one status_changed, with the status it moved from and where it sits', () => {
    const [message, ...rest] = notificationMessages(
      event('StatusReported', { reportedAt: '2026-11-24T09:00:05.000Z', status: 'delivered' }),
      facts, standing('sent'), standing('delivered'), null,
    );
    expect(rest).toEqual([]);
    expect(message).toEqual({
      kind: 'notification.status_changed',
      at: '2026-11-24T09:00:05.000Z',
      data: expect.objectContaining({
        notificationId, status: 'delivered', previousStatus: 'sent', provider: '360dialog', providerMessageId: 'wamid.1',
        position: { ledger: '812/3', revision: 2 }, at: '2026-11-24T09:00:05.000Z',
      }),
    });
  });

  it('the first event of a notification has no previous status', () => {
    const [message] = notificationMessages(event('NotificationPlanned', { plannedAt: '2026-11-24T09:00:00.000Z' }, 0), facts, null, standing('planned', { attempts: 0, provider: null, providerMessageId: null }), null);
    expect(message!.data).toMatchObject({ status: 'planned', previousStatus: null, position: { revision: 0 } });
  });

  it('an event that leaves the status as it was makes nothing (a late delivered after read)', () => {
    expect(notificationMessages(event('StatusReported', { status: 'delivered' }), facts, standing('read'), standing('read'), null)).toEqual([]);
  });

  it('failing for good makes notification.failed beside the status change, once', () => {
    const failed = standing('failed', { attempts: 3, lastErrorCode: '131026', lastError: 'Message undeliverable to +919876543210' });
    const messages = notificationMessages(event('NotificationFailed', { failedAt: '2026-11-24T09:01:00.000Z' }), facts, standing('sending'), failed, null);
    expect(messages.map((m) => m.kind)).toEqual(['notification.status_changed', 'notification.failed']);
    expect(messages[1]!.data).toMatchObject({ attempts: 3, code: '131026' });
    expect(notificationMessages(event('StatusReported', {}), facts, failed, failed, null)).toEqual([]);
  });

  it('a bounce reported after the send is a failure for good too', () => {
    const messages = notificationMessages(event('StatusReported', { status: 'bounced' }), facts, standing('sent'), standing('bounced', { lastErrorCode: null }), null);
    expect(messages.map((m) => m.kind)).toEqual(['notification.status_changed', 'notification.failed']);
    expect(messages[1]!.data).toMatchObject({ code: 'bounced', message: '' });
  });

  it('an expiry makes notification.expired with its deadline and reason', () => {
    const expired = { notificationId, sendBy: '2026-11-24T10:00:00Z', reason: 'not-sent-in-time', attempts: 0, expiredAt: '2026-11-24T10:00:01.000Z' };
    const messages = notificationMessages(event('NotificationExpired', expired), facts, standing('planned'), standing('expired'), null);
    expect(messages.map((m) => m.kind)).toEqual(['notification.status_changed', 'notification.expired']);
    expect(messages[1]!.data).toMatchObject({ sendBy: '2026-11-24T10:00:00.000Z', reason: 'not-sent-in-time', attempts: 0, at: '2026-11-24T10:00:01.000Z' });
  });

  it('a fallback tells of the new notification, on its channel, for the same person and event; its address is not known yet', () => {
    const fallbackId = deterministicUuid('test-notification', 2);
    const planned = { notificationId: fallbackId, fallbackOf: notificationId, channel: 'sms', reason: 'failed', detail: '131026 Message undeliverable', policyVersion: 2, plannedAt: '2026-11-24T09:02:00.000Z' };
    const [message] = notificationMessages(event('FallbackPlanned', planned, 0), null, null, null, facts);
    expect(message).toMatchObject({
      kind: 'notification.fallback',
      data: { notificationId: fallbackId, fallbackOf: notificationId, channel: 'sms', eventId: 'his:42', recipient: { kind: 'patient', id: 'pat-1', address: null }, reason: 'failed', policyVersion: 2 },
    });
    expect(() => webhookBody(message!, false)).not.toThrow();
  });
});

describe('the body an endpoint gets', () => {
  const [changed] = notificationMessages(event('NotificationSent', { sentAt: '2026-11-24T09:00:02.000Z' }), facts, standing('sending'), standing('sent'), null);

  it('is the kind\'s published shape, as exact JSON text, with the contact masked', () => {
    const body = webhookBody(changed!, false);
    const parsed = JSON.parse(body) as { type: string; timestamp: string; data: { recipient: { address: string } } };
    expect(webhookPayloadSchema('notification.status_changed').parse(parsed)).toEqual(parsed);
    expect(parsed).toMatchObject({ type: 'notification.status_changed', timestamp: '2026-11-24T09:00:02.000Z' });
    expect(parsed.data.recipient.address).toBe('+91******3210');
    expect(body).not.toContain('9876543210');
    expect(webhookBody(changed!, false)).toBe(body);
  });

  it('keeps the contact for an endpoint trusted with contacts', () => {
    expect(JSON.parse(webhookBody(changed!, true)).data.recipient.address).toBe('+919876543210');
  });

  it('masks contacts inside a failure\'s message', () => {
    const messages = notificationMessages(event('NotificationFailed', {}), facts, standing('sending'), standing('failed', { lastErrorCode: '21211', lastError: 'The To number +919876543210 is not valid' }), null);
    const body = webhookBody(messages[1]!, false);
    expect(JSON.parse(body).data.message).toBe('The To number +91******3210 is not valid');
  });

  it('leaves a staff id, where an in-app message goes, as it is', () => {
    const staff = { ...facts, channel: 'in_app' as const, recipient: { kind: 'staff' as const, id: 'staff-7', address: 'staff-7' } };
    const [message] = notificationMessages(event('NotificationSent', {}), staff, standing('sending'), standing('sent'), null);
    expect(JSON.parse(webhookBody(message!, false)).data.recipient.address).toBe('staff-7');
  });
});

describe('other kinds', () => {
  const received: PatientMessageReceived = {
    conversationId: 'c0ffee', channel: 'whatsapp', provider: '360dialog', providerMessageId: 'wamid.IN.1', from: '+919876543210',
    patientIds: ['pat-1'], centreId: 'centre-blr', messageType: 'text', text: 'Can I come at 11 instead?', media: null, location: null,
    sentAt: '2026-11-24T09:05:00Z', windowClosesAt: '2026-11-25T09:05:00Z', intent: 'other', callbackId: 'cb-1',
  };

  it('a patient\'s reply is patient.replied; its words only for an endpoint trusted with contacts', () => {
    const message = patientRepliedMessage(received)!;
    expect(JSON.parse(webhookBody(message, false)).data).toMatchObject({ conversationId: 'c0ffee', patientIds: ['pat-1'], text: null, receivedAt: '2026-11-24T09:05:00.000Z' });
    expect(JSON.parse(webhookBody(message, true)).data.text).toBe('Can I come at 11 instead?');
    expect(webhookBody(message, true)).not.toContain('+919876543210');
  });

  it('a STOP or START is no reply to report', () => {
    expect(patientRepliedMessage({ ...received, intent: 'opt-out', text: 'STOP' })).toBeNull();
    expect(patientRepliedMessage({ ...received, intent: 'opt-in', text: 'START' })).toBeNull();
  });

  it('a dead letter and an unrouted staff event fit their schemas; the service-wide centre is null', () => {
    const dead = deadLetteredMessage('dl-1', { reason: 'data.patient.phone: invalid', kind: 'invalid-payload', routingKey: 'appointment.confirmed', messageId: null, sizeBytes: 10, bodySha256: 'ab'.repeat(32), receivedAt: '2026-11-24T09:00:00Z', via: 'amqp' });
    expect(JSON.parse(webhookBody(dead, false)).data).toMatchObject({ deadLetterId: 'dl-1', kind: 'invalid-payload', at: '2026-11-24T09:00:00.000Z' });
    const unrouted = unroutedMessage({ eventId: 'system:1', eventType: 'system.alert', centreId: '*', reason: 'no-recipients', matchedRules: [], at: '2026-11-24T09:00:00Z' }, '*');
    expect(JSON.parse(webhookBody(unrouted, false)).data).toMatchObject({ eventId: 'system:1', centreId: null, reason: 'no-recipients' });
  });
});
