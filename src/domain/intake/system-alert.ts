import type { PayloadOf } from '../event-catalogue.ts';
import { hashPayload, type InboundEventReceived } from './inbound-receipt.ts';

export type SystemAlert = PayloadOf<'system.alert'>['alert'];

/**
 * A `system.alert` recorded as an inbound event generated here, so staff routing sends it like any
 * staff event (a default rule: admins, in-app and by email). The id is the caller's and
 * deterministic, so the same problem seen again (a repeated batch, another instance) alerts once.
 */
export function systemAlertReceipt(eventId: string, alert: SystemAlert, now: Date): InboundEventReceived {
  const envelope = { type: 'system.alert' as const, occurredAt: now.toISOString(), data: { alert } };
  return { eventId, ...envelope, receivedAt: now.toISOString(), via: 'system', payloadHash: hashPayload(envelope) };
}
