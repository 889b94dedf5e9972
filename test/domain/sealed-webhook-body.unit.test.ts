import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealJson, type DataKey } from '../../src/domain/keys/field-cipher.ts';
import { ERASED } from '../../src/domain/keys/personal-data.ts';
import { cellOf } from '../../src/domain/keys/sealed-cell.ts';
import { erasedBody } from '../../src/domain/webhooks/sealed-webhook-body.ts';
import { webhookBody, type WebhookMessageDraft } from '../../src/domain/webhooks/webhook-messages.ts';
import { SealedCells } from '../../src/ledger/sealed-cells.ts';
import { openWebhookBodies } from '../../src/projections/webhooks/webhook-deliveries.queries.ts';

// A webhook body at rest keeps a patient's address and words as cells; the endpoint gets them
// opened (masked unless it is trusted with contacts), the same bytes every time; an erasure leaves
// `[erased]` there, byte for byte what a rebuild writes.
const key: DataKey = { keyId: randomUUID(), key: randomBytes(32) };
const destroyed = { destroyed: true as const, keyId: key.keyId, at: new Date(), reason: 'erased' };
const cellsWith = (keyState: DataKey | typeof destroyed) => new SealedCells({ keysById: async (ids) => new Map(ids.map((id) => [id, id === key.keyId ? keyState : null])) });

const PHONE = '+919876543210';
const plannedId = randomUUID();
const addressCell = cellOf(plannedId, sealJson(key, plannedId, { address: PHONE }), ['address']);
const replyId = randomUUID();
const wordsCell = cellOf(replyId, sealJson(key, replyId, 'Can I come at 11 instead?'));

const notificationId = randomUUID();
const statusDraft = (address: string | null, channel = 'whatsapp'): WebhookMessageDraft => ({
  kind: 'notification.status_changed',
  at: '2026-11-24T09:00:02.000Z',
  data: {
    notificationId, eventId: 'his:42', eventType: 'appointment.confirmed', centreId: 'centre-blr', bookingReference: 'BK-1', appointmentId: 'appt-1',
    channel, recipient: { kind: 'patient', id: 'pat-1', address }, fallbackOf: null, position: { ledger: '812/3', revision: 2 },
    status: 'sent', previousStatus: 'sending', provider: '360dialog', providerMessageId: 'wamid.1', at: '2026-11-24T09:00:02.000Z',
  },
});
const replyDraft: WebhookMessageDraft = {
  kind: 'patient.replied',
  at: '2026-11-24T09:05:00.000Z',
  data: {
    conversationId: 'c0ffee', patientIds: ['pat-1'], centreId: 'centre-blr', channel: 'whatsapp', messageType: 'text', text: wordsCell,
    receivedAt: '2026-11-24T09:05:00.000Z', windowClosesAt: null,
  },
};

describe('a webhook body kept with cells', () => {
  it('keeps the cell, not the address, for either kind of endpoint', () => {
    for (const includeContacts of [true, false]) {
      const body = webhookBody(statusDraft(addressCell), includeContacts);
      expect(body).not.toContain('9876543210');
      expect(JSON.parse(body).data.recipient.address).toBe(addressCell);
    }
  });

  it('opens to the real address for a trusted endpoint and to the masked one for the other, the same bytes each time', async () => {
    const cells = cellsWith(key);
    const trusted = webhookBody(statusDraft(addressCell), true);
    const masked = webhookBody(statusDraft(addressCell), false);
    const [toTrusted] = await openWebhookBodies(cells, [trusted], true);
    const [toMasked] = await openWebhookBodies(cells, [masked], false);
    expect(toTrusted).toBe(webhookBody(statusDraft(PHONE), true));
    expect(toMasked).toBe(webhookBody(statusDraft(PHONE), false));
    expect(JSON.parse(toMasked!).data.recipient.address).toBe('+91******3210');
    expect(await openWebhookBodies(cells, [trusted, masked], true)).toEqual([toTrusted, webhookBody(statusDraft(PHONE), true)]);
  });

  it('leaves a body with nothing sealed as its stored text, a masked address masked once', async () => {
    const clear = webhookBody(statusDraft(PHONE), false);
    expect(await openWebhookBodies(cellsWith(key), [clear], false)).toEqual([clear]);
  });

  it('opens a staff id of an in-app message unmasked, and a reply\'s words for the trusted endpoint', async () => {
    const [inApp] = await openWebhookBodies(cellsWith(key), [webhookBody(statusDraft(addressCell, 'in_app'), false)], false);
    expect(JSON.parse(inApp!).data.recipient.address).toBe(PHONE);
    const [reply] = await openWebhookBodies(cellsWith(key), [webhookBody(replyDraft, true)], true);
    expect(JSON.parse(reply!).data.text).toBe('Can I come at 11 instead?');
    expect(JSON.parse(webhookBody(replyDraft, false)).data.text).toBeNull();
  });

  it('reads [erased], unmasked, once the key is gone', async () => {
    const [opened] = await openWebhookBodies(cellsWith(destroyed), [webhookBody(statusDraft(addressCell), false)], false);
    expect(JSON.parse(opened!).data.recipient.address).toBe(ERASED);
  });
});

describe('an erased person in stored bodies', () => {
  const erased = { kind: 'patient' as const, id: 'pat-1', contacts: ['c0ffee'] };

  it('keeps its cells as they are: they open to [erased] once the keys are gone, and a rebuild copies the same', () => {
    for (const includeContacts of [true, false]) expect(erasedBody(webhookBody(statusDraft(addressCell), includeContacts), erased)).toBeNull();
  });

  it('reads [erased] where it was kept in clear, before bodies kept cells', () => {
    const phone = '+919812345678';
    expect(erasedBody(webhookBody(statusDraft(phone), true), erased)).toBe(webhookBody(statusDraft(ERASED), true));
    const clearReply = { ...replyDraft, data: { ...replyDraft.data, text: 'please call me' } };
    expect(erasedBody(webhookBody(clearReply, true), erased)).toBe(webhookBody({ ...replyDraft, data: { ...replyDraft.data, text: ERASED } }, true));
  });

  it('leaves alone what is not theirs, what holds nothing of them, and what reads [erased] already', () => {
    expect(erasedBody(webhookBody(statusDraft(addressCell), true), { ...erased, id: 'pat-2' })).toBeNull();
    expect(erasedBody(webhookBody(statusDraft(null), true), erased)).toBeNull();
    expect(erasedBody(webhookBody(replyDraft, false), erased)).toBeNull();
    expect(erasedBody(webhookBody(replyDraft, true), { ...erased, contacts: ['beef'] })).toBeNull();
    expect(erasedBody(webhookBody(statusDraft(ERASED), true), erased)).toBeNull();
  });
});
