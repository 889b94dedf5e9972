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
