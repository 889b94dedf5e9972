import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock.ts';
import { streamName } from '../domain/stream-name.ts';
import { renderRecordedVersion, type RenderRecordedVersion } from '../domain/templates/recorded-content.ts';
import type { EventStore, RecordedEvent } from '../ledger/event-store.ts';
import type { ReadModelDatabase } from '../projections/read-model-database.ts';
import { alertWordsOf, storeDeliveredAlert } from '../projections/staff/staff-alerts.queries.ts';
import { IN_APP_PROVIDER, NOTIFICATION_EVENT_TYPES } from '../domain/notifications/notification-events.ts';
import type { ChannelTransport, OutboundMessage, SendOutcome } from './channel-port.ts';
import type { StaffAlertHub } from './staff-alert-hub.ts';

/**
 * The in-app channel has no provider: delivering an alert is storing it for the staff member
 * (`to` is their staff id), unread, and publishing it to their live subscriptions. The row keeps
 * the alert's words as the staff-alerts read model does, sealed as its NotificationPlanned holds
 * them (never the words handed to this send): so the row is what a rebuild writes, and the live
 * payload is opened for each subscriber as it is answered.
 */
export class InAppTransport implements ChannelTransport {
  readonly channel = 'in_app' as const;
  readonly provider = IN_APP_PROVIDER;

  constructor(private readonly options: { db: Kysely<ReadModelDatabase>; store: EventStore; clock: Clock; hub: StaffAlertHub; render?: RenderRecordedVersion }) {}

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const { rendered, notificationId } = message;
    if (rendered.channel !== 'in_app') {
      return { kind: 'failed', provider: this.provider, retryable: false, code: 'wrong-channel', message: `an in-app alert cannot carry a ${rendered.channel} message` };
    }
    let alert;
    try {
      const planned = await this.#plannedOf(notificationId);
      if (!planned) return { kind: 'failed', provider: this.provider, retryable: false, code: 'not-planned', message: 'the notification has no NotificationPlanned' };
      const { title, body } = alertWordsOf(planned, this.options.render ?? renderRecordedVersion);
      alert = await storeDeliveredAlert(this.options.db, { notificationId, staffId: message.to, title, body, deliveredAt: this.options.clock.now() });
    } catch (error) {
      return { kind: 'failed', provider: this.provider, retryable: true, code: 'store-failed', message: error instanceof Error ? error.message : String(error) };
    }
    if (!alert) {
      return { kind: 'failed', provider: this.provider, retryable: true, code: 'not-planned-yet', message: 'the notification is not in the read model yet' };
    }
    this.options.hub.publish(alert);
    return { kind: 'sent', provider: this.provider, providerMessageId: `in-app-${notificationId}` };
  }

  async #plannedOf(notificationId: string): Promise<RecordedEvent | null> {
    for await (const event of this.options.store.readStream(streamName.notification(notificationId))) {
      if (event.type === NOTIFICATION_EVENT_TYPES.planned) return event;
    }
    return null;
  }
}
