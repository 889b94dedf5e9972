import type { Caller } from './context.ts';

/** One scope per role; a field lists the roles that may reach it (any of them will do). */
export interface AuthScopes {
  admin: boolean;
  auditor: boolean;
  dashboard: boolean;
  ingest: boolean;
  frontdesk: boolean;
}

export const scopesOf = (caller: Caller | null): AuthScopes => ({
  admin: caller?.role === 'admin',
  auditor: caller?.role === 'auditor',
  dashboard: caller?.role === 'dashboard',
  ingest: caller?.role === 'ingest',
  frontdesk: caller?.role === 'frontdesk',
});

// The role sets every field picks from. Admin may do everything, so every set includes it.
/** Reads of the read models and live subscriptions (contacts masked for dashboards). */
export const readers = { admin: true, auditor: true, dashboard: true } as const;
/** Full contacts and the raw ledger. */
export const auditors = { admin: true, auditor: true } as const;
/** Admin changes: routing, thresholds, preferences, retries, channels. */
export const admins = { admin: true } as const;
/** Conversations: read by the front desk (its centres), dashboards (contacts masked), auditors and admins. */
export const conversationReaders = { admin: true, auditor: true, dashboard: true, frontdesk: true } as const;
/** Answering patients: the front desk (its centres) and admins. */
export const repliers = { admin: true, frontdesk: true } as const;
/** A front desk's own staff alerts (`front_desk` at its centres), beside every reader's. */
export const alertReaders = { ...readers, frontdesk: true } as const;
/** Publishing upstream events, as POST /events does. */
export const publishers = { admin: true, ingest: true } as const;

// A masked field answers its masked value instead of refusing, so the refusal is never shown: one
// shared error rather than a new one per field (building an error captures a stack, and a live
// dashboard would build one per subscriber per update).
const ANSWERED_MASKED = new Error('answered masked');

/** For a field with contacts: auditors (and admins) read it whole, other readers masked by its `unauthorizedResolver`. */
export const wholeForAuditors = { authScopes: auditors, unauthorizedError: () => ANSWERED_MASKED } as const;
