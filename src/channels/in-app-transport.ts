import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import { storeDeliveredAlert } from '../projections/staff/staff-alerts.queries.ts';
import { IN_APP_PROVIDER } from '../domain/notifications/notification-events.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from './channel-port.ts';
import type { StaffAlertHub } from './staff-alert-hub.ts';

/**
 * The in-app channel has no provider: delivering an alert is storing it for the staff member
 * (`to` is their staff id), unread, and publishing it to their live subscriptions.
 */
export class InAppTransport implements ChannelTransport {
  readonly channel = 'in_app' as const;
  readonly provider = IN_APP_PROVIDER;

  constructor(private readonly options: { db: Kysely<ReadModelDatabase>; clock: Clock; hub: StaffAlertHub }) {}

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const { rendered, notificationId } = message;
    if (rendered.channel !== 'in_app') {
      return { kind: 'failed', provider: this.provider, retryable: false, code: 'wrong-channel', message: `an in-app alert cannot carry a ${rendered.channel} message` };
    }
    let alert;
    try {
      alert = await storeDeliveredAlert(this.options.db, {
        notificationId,
        staffId: message.to,
        title: rendered.title,
        body: rendered.body,
        deliveredAt: this.options.clock.now(),
      });
    } catch (error) {
      return { kind: 'failed', provider: this.provider, retryable: true, code: 'store-failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (!alert) {
      return { kind: 'failed', provider: this.provider, retryable: true, code: 'not-planned-yet', message: 'the notification is not in the read model yet' };
    }
    this.options.hub.publish(alert);
    return { kind: 'sent', provider: this.provider, providerMessageId: `in-app-${notificationId}` };
  }
}
