import type { Channel } from '../domain/event-catalogue.ts';
import type { RenderedMessage } from '../domain/rendered-message.ts';

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

/**
 * What a send came to. A failure says whether to retry and what else it means:
 * - `opt-out`: the recipient refused this channel (WhatsApp 131050, Twilio 21610): record the opt-out.
 * - `pause-channel`: the account is restricted (policy) and needs an admin to resume.
 * - `quota-pause`: a daily quota is spent; the channel resumes by itself at `retryAfterMs`.
 * - `drop-token`: a push token is dead (UNREGISTERED): forget it.
 * - `invalid-address`: the address can never receive on this channel.
 */
export type SendOutcome =
  | { kind: 'sent'; provider: string; providerMessageId: string }
  | {
      kind: 'failed';
      provider: string;
      retryable: boolean;
      /** The provider's own code, e.g. `131026`, `MessageRejected`, `21211`, `UNREGISTERED`, `http-503`. */
      code: string;
      message: string;
      retryAfterMs?: number;
      effect?: 'opt-out' | 'pause-channel' | 'quota-pause' | 'drop-token' | 'invalid-address';
    };

/** A provider client for one channel. It never throws for a provider's answer; only bugs throw. */
export interface ChannelTransport {
  readonly channel: Channel;
  /** The provider's name as recorded in the ledger: `360dialog`, `ses`, `twilio`, `fcm`, `sandbox`, `in-app`. */
  readonly provider: string;
  send(message: OutboundMessage, signal?: AbortSignal): Promise<SendOutcome>;
  close?(): Promise<void>;
}
