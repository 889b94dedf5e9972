import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Clock } from '../../src/domain/clock.ts';
import { streamName } from '../../src/domain/stream-name.ts';
import type { Service } from '../../src/service.ts';

/** Meta's 131026: the number cannot receive WhatsApp messages. */
export const UNDELIVERABLE = [{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable', error_data: { details: 'Message Undeliverable.' } }];

/**
 * A 360dialog status webhook for one sent message, as Meta sends it, posted to the service's own
 * route with the shared secret; the status's timestamp is the test clock's.
 */
export async function postWhatsAppStatus(
  service: Pick<Service, 'url'>,
  options: { secret: string; clock: Clock },
  row: { notification_id: string; provider_message_id: string | null },
  status: 'delivered' | 'read' | 'failed',
  errors?: object[],
): Promise<void> {
  await postWhatsAppChange(service, options.secret, {
    statuses: [{
      id: row.provider_message_id,
      status,
      timestamp: String(Math.floor(options.clock.now().getTime() / 1000)),
      recipient_id: '919876543210',
      biz_opaque_callback_data: row.notification_id,
      ...(errors ? { errors } : {}),
    }],
  });
}

/** An admin recorded that this patient wants no messages on `channel` (any address). */
export async function optOutPerson(service: Pick<Service, 'store'>, clock: Clock, personId: string, channel = 'whatsapp'): Promise<void> {
  const appended = await service.store.append(streamName.personPreference(personId), [{
    id: randomUUID(),
    type: 'ContactOptedOut',
    data: { channel, address: null, personId, reason: 'admin', at: clock.now().toISOString(), actor: 'alice-admin' },
    metadata: { actor: 'alice-admin' },
  }], 'any');
  if (!appended.ok) throw appended.error;
}

/** One inbound message as Meta's Cloud API shape has it, less `from`, `id` and `timestamp`. */
export type InboundContent =
  | { type: 'text'; text: { body: string } }
  | { type: 'button'; button: { text: string; payload: string } }
  | { type: 'image'; image: { id: string; mime_type: string; caption?: string } }
  | { type: 'location'; location: { latitude: number; longitude: number; name?: string; address?: string } };

/**
 * A patient's message as 360dialog forwards it (Meta's shape), posted to the service's own route
 * with the shared secret. `sentAt` is the message's own timestamp (whole seconds, as Meta sends it).
 */
export async function postWhatsAppMessage(
  service: Pick<Service, 'url'>,
  secret: string,
  message: { from: string; id: string; sentAt: Date; content: InboundContent },
): Promise<void> {
  const waId = message.from.replace(/^\+/, '');
  await postWhatsAppChange(service, secret, {
    contacts: [{ profile: { name: 'Patient' }, wa_id: waId }],
    messages: [{ from: waId, id: message.id, timestamp: String(Math.floor(message.sentAt.getTime() / 1000)), ...message.content }],
  });
}

/** One `messages` change as Meta's webhook wraps it, posted to the service's route with the shared secret; answered 200. */
async function postWhatsAppChange(service: Pick<Service, 'url'>, secret: string, value: Record<string, unknown>): Promise<void> {
  const response = await fetch(new URL('/webhooks/whatsapp', service.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-webhook-secret': secret },
    body: JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{
        id: '102290129340398',
        changes: [{
          field: 'messages',
          value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '918000000000', phone_number_id: '106540352242922' }, ...value },
        }],
      }],
    }),
  });
  expect(response.status).toBe(200);
}
