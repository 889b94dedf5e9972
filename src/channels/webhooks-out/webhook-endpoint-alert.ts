import { disableWebhookEndpoint } from '../../commands/webhooks/webhook-endpoint-commands.ts';
import type { Clock } from '../../domain/clock.ts';
import { deterministicUuid } from '../../domain/ids.ts';
import { INBOUND_RECEIVED } from '../../domain/intake/inbound-receipt.ts';
import { systemAlertReceipt, type SystemAlert } from '../../domain/intake/system-alert.ts';
import { streamName } from '../../domain/stream-name.ts';
import type { WebhookEndpoint } from '../../domain/webhooks/webhook-endpoint.ts';
import type { EventStore } from '../../ledger/event-store.ts';

/** The alert's kind, which routing rules may match on. */
export const WEBHOOK_ENDPOINT_DISABLED_ALERT = 'webhook-endpoint-disabled';

const WHY = {
  gone: 'answered 410 Gone',
  failing: 'failed for 24 hours without a success',
} as const;

/**
 * Disables an endpoint the service gave up on (as `system`, with the reason) and tells the admins
 * with a `system.alert`, which staff routing sends like any staff event. The alert's id is derived
 * from the endpoint and the version the disabling made, so a second sender, or the same one again,
 * alerts once; an endpoint already disabled (by an admin, or another sender first) alerts nothing.
 * The URL is never in the alert: it may carry a token.
 */
export async function disableEndpointWithAlert(
  deps: { store: EventStore; clock: Clock },
  endpoint: WebhookEndpoint,
  reason: 'gone' | 'failing',
  detail: string,
  messageId: string,
): Promise<void> {
  const disabled = await disableWebhookEndpoint(deps, endpoint.endpointId, reason, 'system');
  if (!disabled.ok || disabled.value.position === null) return;
  const name = endpoint.description === '' ? endpoint.endpointId : `${endpoint.description} (${endpoint.endpointId})`;
  const alert: SystemAlert = {
    kind: WEBHOOK_ENDPOINT_DISABLED_ALERT,
    subject: `Webhook endpoint disabled: ${name}`.slice(0, 200),
    message: `The webhook endpoint ${name} ${WHY[reason]}, so the service stopped sending to it. ${detail} `
      + `Messages to it wait and are sent once an admin enables it again (enableWebhookEndpoint); `
      + `webhookDeliveries lists them, with every attempt and answer (the last: ${messageId}).`,
  };
  const eventId = `system:webhook-${reason}:${endpoint.endpointId}:${disabled.value.endpoint.version}`;
  const now = deps.clock.now();
  await deps.store.append(streamName.inbound(eventId), [{
    id: deterministicUuid('system-alert', eventId),
    type: INBOUND_RECEIVED,
    data: systemAlertReceipt(eventId, alert, now),
    metadata: { correlationId: eventId, actor: 'system' },
  }], 'no-stream');
}
