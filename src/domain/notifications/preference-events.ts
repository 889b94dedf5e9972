import type { Channel } from '../event-catalogue.ts';

/**
 * A recipient refused a channel (STOP reply, complaint, permanent bounce, or an admin acting on
 * their request), or took it back. Recorded in `preference-<key>`; applies to the (channel,
 * address) and, when known, to the patient id.
 */
export const PREFERENCE_EVENT_TYPES = { optedOut: 'ContactOptedOut', optedIn: 'ContactOptedIn' } as const;

export type OptOutReason = 'stop-reply' | 'complaint' | 'permanent-bounce' | 'provider-opt-out' | 'admin';

export interface ContactOptedOut {
  channel: Channel;
  /** The address that refused, when known (a STOP reply, a bounce). */
  address: string | null;
  /** The patient or staff id, when known. */
  personId: string | null;
  reason: OptOutReason;
  at: string;
  actor: string;
}

export interface ContactOptedIn {
  channel: Channel;
  address: string | null;
  personId: string | null;
  at: string;
  actor: string;
}

/** What stands in the way of one (channel, address, person): the stronger of what we know. */
export type ContactBlock = 'opted-out' | 'bounced-address' | null;
