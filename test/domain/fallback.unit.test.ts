import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/domain/intake/envelope.ts';
import { defaultChannelPolicy, fallbackChain, parseChannelPolicy, type ChannelPolicies, type PolicyInForce } from '../../src/domain/notifications/channel-policy.ts';
import { fallbackNotificationId, fallbackPlanned, fallbackSourceOf, fallbackTrigger, undeliveredDueAt, type FallbackSource } from '../../src/domain/notifications/fallback.ts';
import type { NotificationPlanned, NotificationSuppressed } from '../../src/domain/notifications/notification-events.ts';
import { planFallback, planPatientNotifications, type PlanDecision } from '../../src/domain/notifications/plan-notifications.ts';
import { planningTemplates } from '../../src/domain/templates/planning-templates.ts';
import { validEnvelope } from '../support/envelopes.ts';

const now = new Date('2026-11-24T09:00:00Z');
const completed = (patient: Record<string, unknown> = {}): Envelope => {
  const raw = validEnvelope('appointment.completed', {}, now);
  Object.assign((raw.data as { patient: object }).patient, patient);
  for (const [key, value] of Object.entries(patient)) if (value === undefined) delete (raw.data as { patient: Record<string, unknown> }).patient[key];
  return raw as Envelope;
};
const plan = (envelope: Envelope, extra: Partial<Parameters<typeof planPatientNotifications>[0]> = {}): PlanDecision[] =>
  planPatientNotifications({ envelope, now, templates: planningTemplates, blockFor: () => null, ...extra });

describe('channel policy', () => {
  it('keeps the seed matrix and arms WhatsApp -> SMS by default, 15 minutes to deliver and 3 for walk-ins', () => {
    expect(defaultChannelPolicy('appointment.confirmed')).toEqual({ primary: ['whatsapp', 'email'], fallbacks: { whatsapp: ['sms'] }, undeliveredAfterMinutes: 15 });
    expect(defaultChannelPolicy('walkin.approaching_turn').undeliveredAfterMinutes).toBe(3);
  });

  it('never chains to a channel the event is planned on anyway', () => {
    expect(fallbackChain({ primary: ['whatsapp', 'sms'], fallbacks: { whatsapp: ['sms', 'email'] }, undeliveredAfterMinutes: 15 }, 'whatsapp')).toEqual(['email']);
    expect(fallbackChain(defaultChannelPolicy('appointment.confirmed'), 'email')).toEqual([]);
  });

  it('reads an admin policy: fallbacks left out keep WhatsApp -> SMS, an empty list has none', () => {
    expect(parseChannelPolicy('appointment.no_show', { primary: ['whatsapp'] })).toEqual({ ok: true, value: { eventType: 'appointment.no_show', policy: { primary: ['whatsapp'], fallbacks: { whatsapp: ['sms'] }, undeliveredAfterMinutes: 15 } } });
    expect(parseChannelPolicy('appointment.no_show', { primary: ['whatsapp'], fallbacks: [] })).toMatchObject({ ok: true, value: { policy: { fallbacks: {} } } });
  });

  it('refuses a policy by field: unknown channels, a chain for a channel not primary, a primary channel as a fallback, repeats, staff types', () => {
    const parsed = parseChannelPolicy('appointment.no_show', {
      primary: ['whatsapp', 'whatsapp', 'telegram'],
      fallbacks: [{ channel: 'email', then: [] }, { channel: 'whatsapp', then: ['sms', 'sms', 'whatsapp'] }, { channel: 'whatsapp', then: [] }],
      undeliveredAfterMinutes: 1.5,
    });
    expect(!parsed.ok && parsed.error.map((i) => i.path)).toEqual([
      'primary[1]', 'primary[2]', 'fallbacks[0].channel', 'fallbacks[1].then[1]', 'fallbacks[1].then[2]', 'fallbacks[2].channel', 'undeliveredAfterMinutes',
    ]);
    expect(parseChannelPolicy('billing.bill_generated', { primary: ['email'] })).toMatchObject({ ok: false, error: [{ path: 'eventType' }] });
    expect(parseChannelPolicy('no.such_type', { primary: ['email'] })).toMatchObject({ ok: false, error: [{ path: 'eventType' }] });
  });
});

describe('arming a fallback at planning', () => {
  it('arms WhatsApp with the SMS step where a route takes the number', () => {
    const [decision] = plan(completed());
    expect(decision).toMatchObject({ kind: 'planned', event: { channel: 'whatsapp', fallback: { chain: ['sms'], policyVersion: 0, undeliveredAfterMinutes: 15, targetIndex: 0 } } });
    expect(plan(completed(), { smsReachable: () => false })[0]!.event.fallback).toBeUndefined();
  });

  it('arms a suppression another channel gets round, keeping the deadline, and not one none can', () => {
    const [optedOut] = plan(completed(), { blockFor: (channel) => (channel === 'whatsapp' ? 'opted-out' : null) });
    expect(optedOut).toMatchObject({ kind: 'suppressed', event: { reason: 'opted-out', fallback: { chain: ['sms'] } } });
    expect((optedOut!.event as NotificationSuppressed).sendBy).toBe(new Date(now.getTime() + 72 * 3600_000).toISOString());
    const [noPhone] = plan(completed({ phone: undefined }));
    expect(noPhone).toMatchObject({ kind: 'suppressed', event: { reason: 'no-contact' } });
    expect(noPhone!.event.fallback).toBeUndefined();
  });

  it('plans on the policy\'s channels, with the version it came from', () => {
    const policies: ChannelPolicies = () => ({ policy: { primary: ['sms', 'email'], fallbacks: { sms: ['whatsapp'] }, undeliveredAfterMinutes: 20 }, version: 4 });
    const decisions = plan(completed(), { channelPolicies: policies });
    expect(decisions.map((d) => [d.event.channel, d.event.fallback?.chain ?? null, d.event.fallback?.policyVersion ?? null])).toEqual([['sms', ['whatsapp'], 4], ['email', null, null]]);
  });
});

describe('the fallback itself', () => {
  const planned = plan(completed())[0]!.event as NotificationPlanned;
  const source = fallbackSourceOf(planned, 0)!;

  it('is set off by a suppression another channel gets round, a permanent failure or a failed receipt; never twice, never after delivery', () => {
    const suppressed = { type: 'NotificationSuppressed', data: { reason: 'dlt-mismatch' } };
    expect(fallbackTrigger(source, suppressed)).toEqual({ reason: 'suppressed', detail: 'dlt-mismatch' });
    expect(fallbackTrigger(source, { type: 'NotificationSuppressed', data: { reason: 'no-contact' } })).toBeNull();
    expect(fallbackTrigger(source, { type: 'NotificationFailed', data: { attempts: 3, code: '131026' } })).toEqual({ reason: 'failed', detail: 'failed after 3 attempt(s): 131026' });
    expect(fallbackTrigger(source, { type: 'StatusReported', data: { status: 'failed', provider: '360dialog', code: '131026' } })).toEqual({ reason: 'failed', detail: '360dialog reported failed (131026)' });
    expect(fallbackTrigger(source, { type: 'StatusReported', data: { status: 'delivered', provider: '360dialog', code: null } })).toBeNull();
    expect(fallbackTrigger(source, { type: 'NotificationExpired', data: {} })).toBeNull();
    const done: FallbackSource = { ...source, delivered: true };
    expect(fallbackTrigger(done, { type: 'NotificationFailed', data: { attempts: 1, code: 'x' } })).toBeNull();
    const taken: FallbackSource = { ...source, fallbackId: 'f' };
    expect(fallbackTrigger(taken, suppressed)).toBeNull();
  });

  const byDefault: PolicyInForce = { policy: defaultChannelPolicy('appointment.completed'), version: 0 };

  it('is one notification per original and channel, whatever sets it off', () => {
    const first = fallbackPlanned(source, { reason: 'failed', detail: 'a' }, byDefault, now)!;
    const second = fallbackPlanned(source, { reason: 'not-delivered', detail: 'b' }, byDefault, new Date(now.getTime() + 1000))!;
    expect(first.notificationId).toBe(second.notificationId);
    expect(first.notificationId).toBe(fallbackNotificationId(planned.notificationId, 'sms'));
    expect(first).toMatchObject({ fallbackOf: planned.notificationId, channel: 'sms', policyVersion: 0 });
  });

  it('goes where the policy in force at the trigger says, not the one it was planned under', () => {
    const none: PolicyInForce = { policy: { ...byDefault.policy, fallbacks: {} }, version: 3 };
    expect(fallbackPlanned(source, { reason: 'failed', detail: 'a' }, none, now)).toBeNull();
    const toEmail: PolicyInForce = { policy: { ...byDefault.policy, fallbacks: { whatsapp: ['email', 'sms'] } }, version: 4 };
    expect(fallbackPlanned(source, { reason: 'failed', detail: 'a' }, toEmail, now)).toMatchObject({ channel: 'email', policyVersion: 4 });
    // Never a channel the person cannot be reached on, whatever the policy says.
    const unreachable: FallbackSource = { ...source, arm: { ...source.arm, reachable: ['whatsapp', 'sms'] } };
    expect(fallbackPlanned(unreachable, { reason: 'failed', detail: 'a' }, toEmail, now)).toMatchObject({ channel: 'sms' });
  });

  it('waits for a receipt the policy\'s minutes after the send, and not at all once delivered', () => {
    const sent = { notificationId: planned.notificationId, attempt: 1, provider: '360dialog', providerMessageId: 'wamid.1', sentAt: now.toISOString() };
    expect(undeliveredDueAt(source, sent, byDefault)).toEqual({ dueAt: new Date(now.getTime() + 15 * 60_000), channel: 'sms', minutes: 15 });
    expect(undeliveredDueAt(source, sent, { policy: { ...byDefault.policy, undeliveredAfterMinutes: 5 }, version: 1 })?.minutes).toBe(5);
    expect(undeliveredDueAt({ ...source, delivered: true }, sent, byDefault)).toBeNull();
  });

  it('goes to the same person with the original\'s deadline and selection, and arms the rest of the chain', () => {
    const decision = planFallback(
      { envelope: completed(), now, templates: planningTemplates, blockFor: () => null, fallback: { of: planned.notificationId, notificationId: 'fb-1', selection: planned.selection, sendBy: planned.sendBy ?? null } },
      { channel: 'sms', original: planned.fallback!, inForce: { policy: { ...byDefault.policy, fallbacks: { whatsapp: ['sms', 'email'] } }, version: 2 } },
    )!;
    expect(decision).toMatchObject({
      kind: 'planned',
      event: {
        notificationId: 'fb-1', channel: 'sms', fallbackOf: planned.notificationId, sendBy: planned.sendBy, selection: planned.selection, recipient: { address: planned.recipient.address },
        fallback: { chain: ['email'], policyVersion: 2, root: 'whatsapp', tried: ['whatsapp', 'sms'] },
      },
    });
  });
});
