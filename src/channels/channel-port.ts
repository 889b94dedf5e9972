import type { Channel } from '../domain/event-catalogue.ts';
import type { RenderedMessage } from '../domain/templates/rendered-message.ts';
import type { SendOutcome } from '../domain/notifications/send-outcome.ts';

/** One message for a provider: everything a client needs to make the call. */
export interface OutboundMessage {
  notificationId: string;
  channel: Channel;
  /** E.164 phone for WhatsApp and SMS, an email address, an FCM token, a staff id for in-app. */
  to: string;
  rendered: RenderedMessage;
  /** Which attempt this is, starting at 1. */
  attempt: number;
}

export type { SendOutcome } from '../domain/notifications/send-outcome.ts';

/** A provider client for one channel. It never throws for a provider's answer; only bugs throw. */
export interface ChannelTransport {
  readonly channel: Channel;
  /** The provider's name as recorded in the ledger: `360dialog`, `ses`, `twilio`, `fcm`, `sandbox`, `in-app`. */
  readonly provider: string;
  send(message: OutboundMessage, signal?: AbortSignal): Promise<SendOutcome>;
  close?(): Promise<void>;
}
