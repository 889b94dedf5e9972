import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_KINDS } from '../../src/domain/webhooks/webhook-endpoint.ts';
import { webhookJsonSchemaFiles, webhookPayloadSchema } from '../../src/domain/webhooks/webhook-payloads.ts';

const notification = {
  notificationId: '0b7c2a9e-6a3f-8d1e-9c4b-2f6e8a1d3c5b',
  eventId: 'his:123',
  eventType: 'appointment.confirmed',
  centreId: 'centre-blr',
  bookingReference: 'BK-1001',
  appointmentId: 'appt-1',
  channel: 'whatsapp',
  recipient: { kind: 'patient', id: 'pat-1', address: '+91******3210' },
  fallbackOf: null,
  position: { ledger: '120/120', revision: 3 },
};

describe('webhook payloads', () => {
  it('have one schema per kind, in the Standard Webhooks shape (type, timestamp, data)', () => {
    const files = webhookJsonSchemaFiles();
    expect(Object.keys(files).sort()).toEqual(WEBHOOK_EVENT_KINDS.map((k) => `webhooks/${k}.json`).sort());
    for (const kind of WEBHOOK_EVENT_KINDS) {
      const schema = JSON.parse(files[`webhooks/${kind}.json`]!) as { required: string[]; properties: { type: { const: string } } };
      expect(schema.required, kind).toEqual(['type', 'timestamp', 'data']);
      expect(schema.properties.type.const).toBe(kind);
    }
  });

  it('take a status change with its position, so a receiver can drop a stale one, and refuse a status we never send', () => {
    const body = { type: 'notification.status_changed', timestamp: '2026-12-06T09:00:00Z', data: { ...notification, status: 'delivered', previousStatus: 'sent', provider: '360dialog', providerMessageId: 'wamid.1', at: '2026-12-06T09:00:05Z' } };
    expect(webhookPayloadSchema('notification.status_changed').safeParse(body).success).toBe(true);
    const stale = { ...body, data: { ...body.data, status: 'archived' } };
    expect(webhookPayloadSchema('notification.status_changed').safeParse(stale).success).toBe(false);
    const unordered = { ...body, data: { ...body.data, position: { ledger: '120/120' } } };
    expect(webhookPayloadSchema('notification.status_changed').safeParse(unordered).success).toBe(false);
  });

  it('take a fallback naming the original, its trigger and the policy version', () => {
    const body = {
      type: 'notification.fallback',
      timestamp: '2026-12-06T09:15:00Z',
      data: { ...notification, channel: 'sms', fallbackOf: '1a2b3c4d-5e6f-8a9b-8c0d-1e2f3a4b5c6d', reason: 'not-delivered', detail: 'not delivered 15 min after it was sent', policyVersion: 0, at: '2026-12-06T09:15:00Z' },
    };
    expect(webhookPayloadSchema('notification.fallback').safeParse(body).success).toBe(true);
    expect(webhookPayloadSchema('notification.fallback').safeParse({ ...body, data: { ...body.data, fallbackOf: null } }).success).toBe(false);
  });

  it('match the committed schemas/webhooks folder (npm run schemas writes it)', async () => {
    const directory = fileURLToPath(new URL('../../schemas/webhooks/', import.meta.url));
    const names = (await readdir(directory)).filter((n) => n.endsWith('.json'));
    const onDisk = Object.fromEntries(await Promise.all(names.map(async (n) => [`webhooks/${n}`, await readFile(`${directory}${n}`, 'utf8')] as const)));
    expect(onDisk).toEqual(webhookJsonSchemaFiles());
  });
});
