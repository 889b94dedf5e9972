import { describe, expect, it } from 'vitest';
import { patientMessageOf, patientRepliedPayload, windowClosesAt } from '../../src/domain/conversations/conversation-events.ts';
import { decideReply, replyNotificationId, type ReplyTarget } from '../../src/domain/conversations/reply.ts';
import type { InboundReply } from '../../src/domain/notifications/provider-callback-events.ts';
import { parseApiTokens } from '../../src/http/api-tokens.ts';
import { foldPatientJoins } from '../../src/projections/conversations/conversations-projection.ts';

const sentAt = '2026-12-07T04:10:00.000Z';
const HOUR = 3600_000;

const reply = (over: Partial<InboundReply> = {}): InboundReply => ({
  provider: '360dialog', channel: 'whatsapp', from: '+919876543210', intent: 'other', messageId: 'wamid.1', receivedAt: sentAt, text: 'Can I come at 11?', messageType: 'text', ...over,
});

const facts = { conversationId: 'c'.repeat(64), patients: [{ id: 'pat-1', name: 'Asha Verma' }], centreId: 'centre-blr', callbackId: 'cb-1' };

describe('a patient message', () => {
  it('opens a WhatsApp window of 24 hours from its own timestamp, and an SMS none', () => {
    expect(windowClosesAt('whatsapp', sentAt)).toBe('2026-12-08T04:10:00.000Z');
    expect(windowClosesAt('sms', sentAt)).toBeNull();
    expect(patientMessageOf(reply({ channel: 'sms' }), facts).windowClosesAt).toBeNull();
  });

  it('reads a callback recorded before conversations by its words: a text, else media', () => {
    const { messageType: _, ...legacy } = reply();
    expect(patientMessageOf(legacy, facts).messageType).toBe('text');
    const { messageType: __, text: ___, ...bare } = reply();
    expect(patientMessageOf(bare, facts)).toMatchObject({ messageType: 'media', text: null });
  });

  it('raises patient.replied with the patients, the centre and the words, but not for a consent keyword', () => {
    const message = patientMessageOf(reply(), facts);
    const centre = { id: 'centre-blr', name: 'Leap Clinic Indiranagar', timeZone: 'Asia/Kolkata' };
    expect(patientRepliedPayload(message, facts.patients, centre)).toEqual({
      reply: { conversationId: facts.conversationId, channel: 'whatsapp', messageType: 'text', text: 'Can I come at 11?', sentAt, windowClosesAt: '2026-12-08T04:10:00.000Z' },
      patients: [{ id: 'pat-1', name: 'Asha Verma' }],
      centre,
    });
    expect(patientRepliedPayload(patientMessageOf(reply({ intent: 'opt-out', text: 'STOP' }), facts), facts.patients, centre)).toBeNull();
    expect(patientRepliedPayload(message, [], null)).not.toHaveProperty('centre');
  });
});

describe('a front-desk reply', () => {
  const target: ReplyTarget = { conversationId: 'c'.repeat(64), address: '+919876543210', centreId: 'centre-blr', windowClosesAt: new Date('2026-12-08T04:10:00.000Z'), causeEventId: 'patient-replied:x' };
  const command = { patientId: 'pat-1', text: ' Yes, 11:00 works. ', idempotencyKey: 'key-1', actor: 'desk-blr', locale: 'en' };

  it('is an urgent WhatsApp text due now, with the window\'s close as its deadline and no fallback', () => {
    const now = new Date('2026-12-07T05:00:00.000Z');
    const decided = decideReply(target, command, now);
    expect(decided).toEqual({
      ok: true,
      value: expect.objectContaining({
        notificationId: replyNotificationId('pat-1', 'key-1'),
        channel: 'whatsapp',
        content: { channel: 'whatsapp', text: 'Yes, 11:00 works.', previewText: 'Yes, 11:00 works.' },
        selection: { kind: 'reply', conversationId: target.conversationId, actor: 'desk-blr' },
        dueAt: now.toISOString(),
        sendBy: '2026-12-08T04:10:00.000Z',
      }),
    });
    expect(decided.ok && decided.value).not.toHaveProperty('fallback');
    expect(decided.ok && decided.value).not.toHaveProperty('template');
  });

  it('is refused at the window\'s close and after it, and where no window ever opened', () => {
    const closes = target.windowClosesAt!.getTime();
    expect(decideReply(target, command, new Date(closes - 1)).ok).toBe(true);
    expect(decideReply(target, command, new Date(closes))).toEqual({ ok: false, error: { kind: 'window-closed', closedAt: target.windowClosesAt } });
    expect(decideReply(target, command, new Date(closes + 1000 + 24 * HOUR))).toMatchObject({ ok: false, error: { kind: 'window-closed' } });
    expect(decideReply({ ...target, windowClosesAt: null }, command, new Date(closes - HOUR))).toEqual({ ok: false, error: { kind: 'window-closed', closedAt: null } });
  });

  it('is refused for a number erased with its person: there is nobody to send it to', () => {
    expect(decideReply({ ...target, address: '[erased]' }, command, new Date('2026-12-07T05:00:00.000Z'))).toEqual({ ok: false, error: { kind: 'contact-erased' } });
  });

  it('names each bad field, before the window is looked at', () => {
    const refused = decideReply({ ...target, windowClosesAt: null }, { ...command, text: 'x'.repeat(4097), idempotencyKey: '' }, new Date());
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-input', issues: [{ path: 'text' }, { path: 'idempotencyKey' }] } });
  });

  it('takes its id from the patient and the key, so the same call twice is one notification', () => {
    expect(replyNotificationId('pat-1', 'key-1')).toBe(replyNotificationId('pat-1', 'key-1'));
    expect(replyNotificationId('pat-1', 'key-1')).not.toBe(replyNotificationId('pat-2', 'key-1'));
  });
});

describe('front desk tokens', () => {
  it('name their centres after the token, and only they do', () => {
    const token = 'f'.repeat(20);
    expect(parseApiTokens(`desk:frontdesk:${token}:centre-blr|centre-hbl`)).toEqual({ tokens: [{ name: 'desk', role: 'frontdesk', token, centres: ['centre-blr', 'centre-hbl'] }], problems: [] });
    expect(parseApiTokens(`desk:frontdesk:${token}`).problems).toEqual([expect.stringContaining('names its centres')]);
    expect(parseApiTokens(`wall:dashboard:${token}:centre-blr`).problems).toEqual([expect.stringContaining('only a frontdesk token names centres')]);
  });
});

describe('the patients known for a number, folded within a batch', () => {
  it('as separate statements would fold them: the latest name given, the greatest time, whatever the order of times', () => {
    const row = (name: string | null, at: string) => ({ conversation_id: 'c', patient_id: 'p', patient_name: name, last_seen_at: at });
    expect(foldPatientJoins([row('Asha', '2026-12-07T10:00:00Z'), row('Asha Verma', '2026-12-07T09:00:00Z'), row(null, '2026-12-07T08:00:00Z')])).toEqual([
      row('Asha Verma', '2026-12-07T10:00:00Z'),
    ]);
  });
});
